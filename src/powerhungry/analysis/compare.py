"""Two runs side by side: what differs between them (hardware, software, protocol, carbon
intensity), and, for what both measured, the ratio of their energies per 1,000 inferences with
its 95% confidence interval, per task, per model and per cell.

A cell is matched by task, model kind, model, dataset and protocol (batch size and dtype): the
same cell measured under another protocol is another measurement, never divided by. Tasks and
models are compared over each run's own cells (`n_cells` says how many); the same machinery
puts this study beside the paper's own measurements (rule compare_with_paper).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import tarfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from powerhungry.analysis.aggregate import with_scenario
from powerhungry.analysis.summary import REQUIRED_COLUMNS, substitute_names, summarize
from powerhungry.columns import (
    CELL_KEY,
    DEFAULT_SCENARIO,
    GROUP_KEY,
    MODEL_KEY,
    SCENARIO,
    SUBSTITUTED_DATASETS,
)
from powerhungry.measure.provenance import ARTIFACT_MANIFEST

# What makes the same cell the same measurement: recorded on every measurement row.
PROTOCOL_COLUMNS = ("batch_size", "dtype")
# The paper's protocol (notes/paper-protocol.md, "Measurement"): one sample per call, the
# libraries' float32 defaults; its rows do not record it.
PAPER_PROTOCOL = {"batch_size": 1, "dtype": "float32"}
# The paper's rows name CodeCarbon's region where ours name the configured carbon intensity.
PAPER_COLUMNS = {"region": "carbon_intensity_setting"}

# What describes a run, in the order stated: (property, measurement-row column).
DESCRIBED = (
    ("device", "device"),
    ("GPU", "gpu_model"),
    ("GPUs counted per job", "gpu_count"),
    ("GPU driver", "gpu_driver"),
    ("CUDA", "cuda_version"),
    ("CPU", "cpu_model"),
    ("python", "python_version"),
    ("torch", "torch_version"),
    ("transformers", "transformers_version"),
    ("diffusers", "diffusers_version"),
    ("datasets", "datasets_version"),
    ("codecarbon", "codecarbon_version"),
    ("dtype", "dtype"),
    ("batch size", "batch_size"),
    ("carbon intensity setting", "carbon_intensity_setting"),
)
INTENSITY = "carbon intensity (g CO2eq/kWh)"
NOT_RECORDED = "not recorded"

# (level, keys, our summary table, mean column, 95% half-width column)
LEVELS = (
    (
        "task",
        GROUP_KEY,
        "task_summary",
        "energy_kwh_per_1k_mean",
        "energy_kwh_per_1k_mean_halfwidth_95",
    ),
    ("model", MODEL_KEY, "model_summary", "energy_kwh_per_1k", "energy_kwh_per_1k_halfwidth_95"),
    ("cell", CELL_KEY, "cell_summary", "energy_kwh_per_1k_mean", "energy_kwh_per_1k_halfwidth_95"),
)
EMISSIONS = {
    "task_summary": "emissions_g_per_1k_mean",
    "model_summary": "emissions_g_per_1k",
    "cell_summary": "emissions_g_per_1k_mean",
}
MEASUREMENTS = "results/tables/measurements.csv"


class RunError(ValueError):
    """A path that holds no run this module can read."""


def paper_rows(paper_measurements: pd.DataFrame) -> pd.DataFrame:
    """The rows behind the paper's tables (`in_paper`), with its protocol (PAPER_PROTOCOL) and
    its region under our column name: a run like any other."""
    in_paper = paper_measurements["in_paper"].astype(str).str.lower() == "true"
    return (
        paper_measurements[in_paper]
        .rename(columns=PAPER_COLUMNS)
        .assign(device="cuda", **PAPER_PROTOCOL, **{SCENARIO: DEFAULT_SCENARIO})
    )


def describe(measurements: pd.DataFrame) -> dict[str, str]:
    """What a run ran on and with, from its query rows: each property of DESCRIBED as its
    distinct values joined by "; " ("none" where all are empty, NOT_RECORDED where the rows
    lack the column), and the carbon intensity its emissions were computed with (g CO2eq/kWh:
    1,000 x its emissions in kg over its energy in kWh, as CodeCarbon multiplies them)."""
    query = measurements[measurements["phase"] == "query"]
    described = {}
    for name, column in DESCRIBED:
        if column not in query.columns:
            described[name] = NOT_RECORDED
            continue
        values = sorted({recorded_text(v) for v in query[column]} - {""})
        described[name] = "; ".join(values) if values else "none"
    energy = query["energy_kwh"].sum()
    intensity = 1000 * query["emissions_kg"].sum() / energy if energy > 0 else math.nan
    described[INTENSITY] = f"{intensity:.4g}" if math.isfinite(intensity) else NOT_RECORDED
    described["cells measured"] = str(len(query.groupby(list(CELL_KEY)))) if len(query) else "0"
    return described


def recorded_text(value: object) -> str:
    """A recorded value as text: "" for an empty one, whole numbers without a trailing .0 (a
    column read back with empty cells is float)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def setup_table(a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str]) -> pd.DataFrame:
    """One row per property of `describe`: run A's value, run B's, and whether they differ
    (empty where either run did not record it); those that differ first, unknown ones next."""
    described = [describe(a), describe(b)]
    table = pd.DataFrame(
        {
            "property": list(described[0]),
            names[0]: list(described[0].values()),
            names[1]: [described[1][p] for p in described[0]],
        }
    )
    unknown = (table[names[0]] == NOT_RECORDED) | (table[names[1]] == NOT_RECORDED)
    table["differs"] = (table[names[0]] != table[names[1]]).astype("boolean").mask(unknown)
    order = table["differs"].map({True: 0, False: 2}).fillna(1)  # differs, unknown, same
    return table.iloc[order.argsort(kind="stable")].reset_index(drop=True)


def ratio_interval(
    mean_a: pd.Series, halfwidth_a: pd.Series, mean_b: pd.Series, halfwidth_b: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """B / A and its 95% confidence interval, from two independent means and their 95%
    half-widths: the half-width of log(B / A) is sqrt((h_A / A)^2 + (h_B / B)^2) (the delta
    method for a ratio of independent means; Casella & Berger, Statistical Inference, 2002,
    §5.5.4), so the interval is [r / exp(w), r * exp(w)], never below zero. NaN bounds where a
    half-width is unknown (a single repetition); NaN throughout where a mean is not positive."""
    positive = (mean_a > 0) & (mean_b > 0)
    ratio = (mean_b / mean_a).where(positive)
    width = np.sqrt((halfwidth_a / mean_a) ** 2 + (halfwidth_b / mean_b) ** 2)
    return ratio, ratio / np.exp(width), ratio * np.exp(width)


def protocol_of(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per cell, its protocol (PROTOCOL_COLUMNS as text; NOT_RECORDED where the rows lack
    one); a cell whose rows record more than one (a table that pools two protocols) has them
    joined by "; " (`several_protocols`), and is never compared."""
    query = measurements[measurements["phase"] == "query"]
    per_cell = query.groupby(list(CELL_KEY))
    cells = per_cell.size().index
    return pd.DataFrame(
        {
            c: per_cell[c].agg(lambda v: "; ".join(sorted({recorded_text(x) for x in v})))
            if c in query.columns
            else NOT_RECORDED
            for c in PROTOCOL_COLUMNS
        },
        index=cells,
    ).reset_index()


def several_protocols(protocols: pd.DataFrame) -> pd.Series:
    """Whether each cell of `protocol_of` pools measurements made under several protocols."""
    return protocols[list(PROTOCOL_COLUMNS)].apply(lambda c: c.str.contains("; ")).any(axis=1)


def shared_cells(a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """The cells both runs measured under the same protocol (CELL_KEY and PROTOCOL_COLUMNS),
    leaving out any that pools several protocols."""
    cells = [protocol_of(run) for run in (a, b)]
    cells = [c[~several_protocols(c)] for c in cells]
    return cells[0].merge(cells[1], on=[*CELL_KEY, *PROTOCOL_COLUMNS])


def _only(rows: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """The measurement rows of `cells` (CELL_KEY) only."""
    return rows.merge(cells[list(CELL_KEY)], on=list(CELL_KEY))


def compare_runs(
    a: pd.DataFrame, b: pd.DataFrame, names: tuple[str, str], shared_only: bool = False
) -> pd.DataFrame:
    """Per task, model and cell of measurement rows `a` and `b`, each run's energy per 1,000
    inferences (kWh, columns `<name>_energy_kwh_per_1k`, with its 95% half-width and how many
    cells it is over) and emissions (g CO2eq), and `energy_ratio` = B / A with its 95% interval
    (`ratio_interval`) and whether the interval excludes 1 (`distinguishable`; empty where
    unknown). Cells are matched with their protocol (`shared_cells`); tasks and models are
    compared over the cells both measured (`shared_only`), or over each run's own cells (the
    paper's models beside another study's: `<name>_n_cells` says how many). Raises ValueError
    (from the summaries) for a table without query rows."""
    shared = shared_cells(a, b)
    if shared_only:
        if shared.empty:
            return _columns(pd.DataFrame(columns=["level"]), names)
        a, b = _only(a, shared), _only(b, shared)
    summaries = [summarize(run) for run in (a, b)]
    parts = []
    for level, keys, table, mean, halfwidth in LEVELS:
        sides = []
        for name, summary in zip(names, summaries, strict=True):
            rows = summary[table]
            if level == "cell":
                rows = rows.merge(shared, on=list(CELL_KEY))
            counted = summary["cell_summary"].groupby(list(keys)).size()
            side = rows[[*keys, *(PROTOCOL_COLUMNS if level == "cell" else ())]].assign(
                **{
                    f"{name}_energy_kwh_per_1k": rows[mean],
                    f"{name}_energy_kwh_per_1k_halfwidth_95": rows[halfwidth],
                    f"{name}_emissions_g_per_1k": rows[EMISSIONS[table]],
                    f"{name}_n_cells": rows.set_index(list(keys)).index.map(counted),
                }
            )
            if name == names[1]:
                substituted = _substituted(rows)
                if substituted is not None:
                    side[SUBSTITUTED_DATASETS] = substituted
            sides.append(side)
        on = [*keys, *(PROTOCOL_COLUMNS if level == "cell" else ())]
        parts.append(sides[0].merge(sides[1], on=on, how="inner").assign(level=level))
    table = pd.concat(parts, ignore_index=True)
    ratio, low, high = ratio_interval(
        *(table[f"{n}_energy_kwh_per_1k{s}"] for n in names for s in ("", "_halfwidth_95"))
    )
    table["energy_ratio"], table["energy_ratio_low_95"], table["energy_ratio_high_95"] = (
        ratio,
        low,
        high,
    )
    known = low.notna() & high.notna()
    table["distinguishable"] = ((low > 1) | (high < 1)).astype("boolean").where(known)
    return _columns(table, names)


def _columns(table: pd.DataFrame, names: tuple[str, str]) -> pd.DataFrame:
    """`table` with the comparison's columns, in order."""
    columns = ["level", *CELL_KEY, *PROTOCOL_COLUMNS]
    for name in names:
        columns += [f"{name}_{c}" for c in ("n_cells", "energy_kwh_per_1k")]
        columns += [f"{name}_energy_kwh_per_1k_halfwidth_95", f"{name}_emissions_g_per_1k"]
    columns += ["energy_ratio", "energy_ratio_low_95", "energy_ratio_high_95", "distinguishable"]
    if SUBSTITUTED_DATASETS in table.columns:  # ours read another dataset than the paper's
        columns.append(SUBSTITUTED_DATASETS)
    return table.reindex(columns=columns).astype({f"{n}_n_cells": "Int64" for n in names})


def _substituted(rows: pd.DataFrame) -> pd.Series | None:
    """A summary's substituted datasets as SUBSTITUTED_DATASETS reads them ("dataset
    (repository)"; a cell's from its DATASET_SUBSTITUTE); None where not recorded."""
    if SUBSTITUTED_DATASETS in rows.columns:
        return rows[SUBSTITUTED_DATASETS]
    return substitute_names(rows)


def unmatched(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, int]:
    """How many cells only A measured, only B, both but under another protocol, and how many
    pool several protocols in either run (`several_protocols`: never compared)."""
    cells = [protocol_of(run) for run in (a, b)]
    keys = [_keys(c) for c in cells]
    pooled = [_keys(c[several_protocols(c)]) for c in cells]
    both = keys[0] & keys[1]
    several = both & (pooled[0] | pooled[1])
    return {
        "only_a": len(keys[0] - keys[1]),
        "only_b": len(keys[1] - keys[0]),
        "other_protocol": len(both) - len(several) - len(shared_cells(a, b)),
        "several_protocols": len(several),
    }


def _keys(cells: pd.DataFrame) -> set[tuple[str, ...]]:
    return set(map(tuple, cells[list(CELL_KEY)].to_numpy()))


def read_run(path: Path) -> pd.DataFrame:
    """A run's measurement rows (results/tables/measurements.csv) from `path`: a workflow
    directory or unpacked artifact (holding results/), its results/ folder, the table itself
    (.csv or .csv.gz; the paper's reference table, with its `in_paper` column, is read as
    `paper_rows`), or a reproducibility artifact (.tar.gz, powerhungry.artifact), whose table is
    checked against the artifact's sha256 manifest. Raises RunError naming the path, what it
    lacks and what to give instead."""
    if not path.exists():
        raise RunError(f"{path}: does not exist")
    if path.is_file() and path.name.endswith((".tar.gz", ".tgz")):
        return _read_artifact(path)
    if path.is_file():
        return _rows(path, path)
    for candidate in (path / MEASUREMENTS, path / "tables" / "measurements.csv"):
        if candidate.is_file():
            return _rows(candidate, candidate)
    raise RunError(
        f"{path}: no run found: give a workflow directory (holding {MEASUREMENTS}), its "
        "results/ folder, a measurements.csv, or an artifact made by `powerhungry artifact`"
    )


def _rows(source: Path | IO[bytes], path: Path) -> pd.DataFrame:
    """The measurement rows in `source` (a file, or an artifact's member read from `path`)."""
    try:
        table = pd.read_csv(source, low_memory=False)
    except (ValueError, OSError, EOFError, UnicodeDecodeError, zlib.error) as error:
        raise RunError(f"{path}: not a measurements table: {error}") from error
    lacking = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if lacking:
        raise RunError(
            f"{path}: not a measurements table (results/tables/measurements.csv): it has no "
            f"column {', '.join(lacking)}"
        )
    if not table["phase"].eq("query").any():
        raise RunError(f"{path}: no query-phase measurement rows: nothing was measured yet")
    return paper_rows(table) if "in_paper" in table.columns else with_scenario(table)


def _read_artifact(path: Path) -> pd.DataFrame:
    try:
        with tarfile.open(path) as archive:
            manifest = json.load(_member(archive, ARTIFACT_MANIFEST, path))
            data = _member(archive, MEASUREMENTS, path).read()
    except (tarfile.TarError, OSError, EOFError, zlib.error, json.JSONDecodeError) as error:
        raise RunError(f"{path}: not a readable artifact: {error}") from error
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or files.get(MEASUREMENTS) != hashlib.sha256(data).hexdigest():
        raise RunError(
            f"{path}: its {MEASUREMENTS} does not match the artifact's manifest "
            f"({ARTIFACT_MANIFEST}): the artifact was altered; rebuild it with "
            "`powerhungry artifact`"
        )
    return _rows(io.BytesIO(data), path)


def _member(archive: tarfile.TarFile, name: str, path: Path) -> IO[bytes]:
    """Member `name` of the archive, also where it was packed as "./name"."""
    for candidate in (name, f"./{name}"):
        try:
            handle = archive.extractfile(candidate)
        except KeyError:
            continue
        if handle is not None:
            return handle
    raise RunError(f"{path}: the artifact holds no {name}: was it made by `powerhungry artifact`?")
