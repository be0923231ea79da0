"""The bodies of the workflow's table rules (their scripts in scripts/, one per rule), each given
Snakemake's job object `smk` (its input, output, params and log, as rules/tables.smk declares
them). Each script runs its body in a child of the run's fork server where one serves the job
(`powerhungry.forkserver.run_job`): the server imports this module, pandas with it, once, and
every table's child inherits it. Output goes to the job's log; tables are written atomically."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from powerhungry.analysis.aggregate import gather_measurements, split_failed
from powerhungry.analysis.cell_tables import CellFiles, length_table, quality_table
from powerhungry.analysis.compare import compare_runs, paper_rows, setup_table
from powerhungry.analysis.deployment import scenario_summary
from powerhungry.analysis.paper_tables import break_even, multi_purpose_summary
from powerhungry.analysis.summary import summarize
from powerhungry.columns import DEFAULT_SCENARIO, SCENARIO
from powerhungry.datapackage import data_package, write_parquet
from powerhungry.files import read_table, write_atomic, write_table

PAPER_AND_OURS = ("paper", "ours")  # runs A and B of compare_with_paper: the ratio is ours / paper


def print_table(table: pd.DataFrame) -> None:
    """`table` to the job's log, or "(no rows)" for an empty one."""
    print(table.to_string(index=False) if len(table) else "(no rows)")


def aggregate_measurements(smk: Any) -> None:
    """Rule aggregate_measurements: every per-cell file (input.measurements) into
    output.table (results/tables/measurements.csv), and the cells whose model failed into
    output.missing (results/tables/missing_cells.csv)."""
    table, missing = split_failed(gather_measurements(smk.input.measurements))
    write_table(smk.output.table, table)
    write_table(smk.output.missing, missing)
    print(f"{len(table)} rows from {len(smk.input.measurements)} cells")
    if len(missing):
        print(f"{len(missing)} cells failed:\n{missing.to_string(index=False)}")


def summarize_measurements(smk: Any) -> None:
    """Rule summarize_measurements: per-task, per-model and per-cell energy per 1,000
    inferences, latency, and energy per unit of work (tokens, images, diffusion steps: from
    input.lengths); and the deployment scenarios compared (powerhungry.analysis.deployment).
    One output per table `summarize` returns, and scenario_summary."""
    measurements = pd.read_csv(smk.input.table)
    missing = pd.read_csv(smk.input.missing)
    lengths = read_table(smk.input.lengths)  # empty where every cell failed
    halfwidth = smk.params.max_relative_halfwidth
    tables = summarize(
        measurements, missing=missing, lengths=lengths, max_relative_halfwidth=halfwidth
    )
    tables["scenario_summary"] = scenario_summary(measurements, missing, lengths, halfwidth)
    for name, table in tables.items():
        write_table(smk.output[name], table)
    print(tables["task_summary"].to_string(index=False))


def score_quality(smk: Any) -> None:
    """Rule score_quality: the paper's Table 7, quality metrics of every cell (params.cells, a
    CellFiles' fields each), from its samples and predictions."""
    table = quality_table([CellFiles(**cell) for cell in smk.params.cells])
    write_table(smk.output.table, table)
    print(table.to_string(index=False))


def tabulate_lengths(smk: Any) -> None:
    """Rule tabulate_lengths: the paper's Table 4, input and output sizes of every cell
    (params.cells, a CellFiles' fields each), from its samples and predictions."""
    table = length_table([CellFiles(**cell) for cell in smk.params.cells])
    write_table(smk.output.table, table)
    print(table.to_string(index=False))


def tabulate_multi_purpose(smk: Any) -> None:
    """Rule tabulate_multi_purpose: the paper's Table 3 (multi-purpose models per task) from
    this study's cell summary (input.cells)."""
    table = multi_purpose_summary(pd.read_csv(smk.input.cells))
    write_table(smk.output.table, table)
    print_table(table)


def tabulate_break_even(smk: Any) -> None:
    """Rule tabulate_break_even: the paper's Table 5 (inferences for inference energy to equal
    training energy) from this study's multi-purpose table (input.multi_purpose) and the
    configured training energies (params.training)."""
    table = break_even(pd.read_csv(smk.input.multi_purpose), smk.params.training)
    write_table(smk.output.table, table)
    print_table(table)


def compare_with_paper(smk: Any) -> None:
    """Rule compare_with_paper: this study (input.measurements) beside the paper's own
    measurements (input.paper, resources/reference/paper), by `powerhungry.analysis.compare`:
    the ratio ours / paper per task, model and cell both measured (output.table), and what
    differs between the two runs (output.setup). Only the default deployment scenario (the
    protocol's settings) is compared: the paper measured no other."""
    ours = pd.read_csv(smk.input.measurements, low_memory=False)
    ours = ours[ours[SCENARIO] == DEFAULT_SCENARIO]
    paper = paper_rows(pd.read_csv(smk.input.paper, low_memory=False))
    setup = setup_table(paper, ours, PAPER_AND_OURS)
    table = compare_runs(paper, ours, PAPER_AND_OURS)
    write_table(smk.output.setup, setup)
    write_table(smk.output.table, table)
    print(setup.to_string(index=False))
    print_table(table)


def package_tables(smk: Any) -> None:
    """Rule package_tables: every results table (the named inputs, name -> CSV) described in
    output.datapackage (a Frictionless Data Package; powerhungry.table_schema describes the
    columns) and copied to parquet beside its CSV (output.parquet), with the types the package
    gives it."""
    tables = dict(smk.input.items())
    target = Path(smk.output.datapackage)
    package = data_package(tables, target.parent, smk.params.title)
    parquet = {Path(path).stem: path for path in smk.output.parquet}
    for name, path in tables.items():
        write_parquet(name, path, parquet[name])
    write_atomic(target, lambda tmp: tmp.write_text(json.dumps(package, indent=2) + "\n"))
    for resource in package["resources"]:
        print(f"{resource['path']}: {len(resource['schema']['fields'])} columns described")
