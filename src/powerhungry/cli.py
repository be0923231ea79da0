"""Command line: `powerhungry plan` (what a study will cost, before it runs),
`powerhungry restore-models` (model folders back from their manifests),
`powerhungry preflight` (every entry of a study checked on the Hub),
`powerhungry summarize MEASUREMENTS.csv[.gz] --out DIR`, `powerhungry compare A B --out DIR`
(the same cells in two runs) and `powerhungry artifact OUT.tar.gz` (a reproducibility artifact
without conda)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # each command imports what it needs: preflight needs no pandas
    import pandas as pd

    from powerhungry.study import Study


def read_measurements(path: Path, in_paper_only: bool) -> pd.DataFrame:
    import pandas as pd

    table = pd.read_csv(path, low_memory=False)
    if in_paper_only:
        if "in_paper" not in table.columns:
            raise SystemExit(f"{path}: --in-paper given but the table has no 'in_paper' column")
        table = table[table["in_paper"].astype(str).str.lower() == "true"]
    elif "in_paper" in table.columns:
        print(
            f"note: {path} has an 'in_paper' column; pass --in-paper to keep only the rows "
            "behind the paper's tables",
            file=sys.stderr,
        )
    return table


def main(argv: Sequence[str] | None = None) -> int:
    from importlib.metadata import version

    parser = argparse.ArgumentParser(prog="powerhungry", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {version('powerhungry')}")
    commands = parser.add_subparsers(dest="command", required=True)
    summarize_parser = commands.add_parser(
        "summarize",
        help="per-task and per-model energy/emissions per 1,000 inferences from a tidy table",
    )
    summarize_parser.add_argument("measurements", type=Path, help="tidy CSV (.csv or .csv.gz)")
    summarize_parser.add_argument("--out", type=Path, required=True, help="output directory")
    summarize_parser.add_argument(
        "--in-paper",
        action="store_true",
        help="keep only rows whose in_paper column is true (the paper's reference table)",
    )
    preflight_parser = commands.add_parser(
        "preflight",
        help="check every dataset and model of the study on the Hub before running it",
        description="Check every dataset and model of a study on the Hub (HF_ENDPOINT) before "
        "anything is downloaded or measured; write a table; exit 1 listing every entry that "
        "cannot be had as configured, with its fix.",
    )
    preflight_parser.add_argument(
        "--configfile",
        type=Path,
        action="append",
        help="study config (YAML); repeat to overlay, later files win key by key, as "
        "Snakemake merges --configfile files; only these are read (default: "
        "config/config.yaml): to overlay the paper's study, name config/config.yaml first",
    )
    preflight_parser.add_argument(
        "--out",
        type=Path,
        default=Path("results/preflight.csv"),
        help="table to write, relative to --workdir (default: results/preflight.csv)",
    )
    preflight_parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the table's rows of entries unchanged since, if they were ok or moved and not "
        "gated (the Hub side is not asked again: delete the table to check everything)",
    )
    preflight_parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(),
        help="the workflow's folder: its schema, the config's local paths and --out are read "
        "from there",
    )
    plan_parser = commands.add_parser(
        "plan",
        help="estimate each cell's GPU time, energy, memory and download before running",
        description="Estimate what each cell of a study costs on the config's plan.gpu_class "
        "(from the paper's logs, refined by what this project measured) and print the totals "
        "per task; cells longer than plan.max_job_hours run as shorter jobs (shards); exit 1 "
        "if a cell cannot run as planned (a model over the GPU's memory, a cap too short for "
        "one inference).",
    )
    plan_parser.add_argument(
        "configfiles",
        type=Path,
        nargs="*",
        help="study config files (YAML), later ones overlaying earlier ones key by key "
        "(default: config/config.yaml)",
    )
    plan_parser.add_argument("--out", type=Path, help="also write the per-cell table (CSV) here")
    plan_parser.add_argument(
        "--task",
        action="append",
        help="plan only this task's cells (repeat for several): a first subset",
    )
    plan_parser.add_argument(
        "--samples",
        type=int,
        help="plan as if every dataset entry had this many samples (e.g. 100 for a first run)",
    )
    plan_parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(),
        help="the workflow's folder: its schema, the paper's logs, results/ and the cache are "
        "read from there",
    )
    restore_parser = commands.add_parser(
        "restore-models",
        help="bring back the model folders the manifests name, leaving the manifests as they are",
        description="For each model of the study whose manifest exists but whose folder does "
        "not (an unpacked artifact, a cleaned cache): fetch it at the commit the manifest "
        "recorded, or rebuild a tiny model, without touching the manifest, so that nothing "
        "measured from it is remade. Exit 1 naming each model that could not be restored.",
    )
    restore_parser.add_argument(
        "configfiles", type=Path, nargs="*", help="study config files (default: config/config.yaml)"
    )
    restore_parser.add_argument("--workdir", type=Path, default=Path(), help="workflow folder")
    artifact_parser = commands.add_parser(
        "artifact",
        help="tar.gz of the committed workflow, results/, logs/ and the exact package versions",
    )
    artifact_parser.add_argument("out", type=Path, help="archive to write (.tar.gz)")
    artifact_parser.add_argument("--workdir", type=Path, default=Path(), help="workflow checkout")
    compare_parser = commands.add_parser(
        "compare",
        help="the same cells in two runs: energy ratio B / A with 95%% intervals, and what "
        "differs between the runs",
        description="Match the cells two runs measured (task, model kind, model, dataset, batch "
        "size, dtype) and write the ratio B / A of their energy per 1,000 inferences with its "
        "95% interval, per cell and, over the cells both measured, per task and model "
        "(comparison.csv); what differs between the runs (comparison_setup.csv, printed "
        "first); and a figure of the per-cell ratios (comparison.png and .pdf). Exit 1 if "
        "nothing could be compared, 2 for a path that holds no run.",
    )
    for side, role in (("a", "run A, the reference"), ("b", "run B, compared with A")):
        compare_parser.add_argument(
            side,
            help=f"{role}: a workflow folder (or unpacked artifact), its results/ folder, a "
            "measurements.csv[.gz], an artifact .tar.gz, or `paper` (the paper's own "
            "measurements, resources/reference/paper)",
        )
    compare_parser.add_argument("--out", type=Path, required=True, help="output folder")
    compare_parser.add_argument(
        "--own-cells",
        action="store_true",
        help="compare tasks and models over each run's own cells (two studies of different "
        "models, as rule compare_with_paper does), not only over the cells both measured",
    )
    compare_parser.add_argument(
        "--workdir", type=Path, default=Path(), help="the workflow's folder (where `paper` is read)"
    )
    args = parser.parse_args(argv)
    if args.command == "compare":
        return compare(parser, args.a, args.b, args.out, args.workdir, args.own_cells)
    if args.command == "artifact":
        return artifact(parser, args.workdir, args.out)
    if args.command == "restore-models":
        return restore_models(parser, args.workdir, args.configfiles)
    if args.command == "plan":
        return plan(parser, args.workdir, args.configfiles, args.out, args.task, args.samples)
    if args.command == "preflight":
        return preflight(parser, args.workdir, args.configfile, args.out, args.reuse)
    from powerhungry.analysis.deployment import scenario_summary
    from powerhungry.analysis.paper_tables import multi_purpose_summary
    from powerhungry.analysis.summary import summarize
    from powerhungry.files import write_table

    try:
        measurements = read_measurements(args.measurements, args.in_paper)
        tables = summarize(measurements)
        tables["multi_purpose"] = multi_purpose_summary(tables["cell_summary"])
        tables["scenario_summary"] = scenario_summary(measurements)
    except (ValueError, OSError) as error:
        parser.exit(2, f"powerhungry summarize: {error}\n")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_table(args.out / f"{name}.csv", table)
    columns = [
        "scenario",
        "task",
        "model_kind",
        "n_models",
        "energy_kwh_per_1k_mean",
        "emissions_g_per_1k_mean",
    ]
    # Four significant digits, whatever the magnitude (kWh per 1,000 of a small model: 1e-5).
    print(tables["task_summary"][columns].to_string(index=False, float_format="{:.4g}".format))
    return 0


def preflight(
    parser: argparse.ArgumentParser,
    workdir: Path,
    configfiles: list[Path] | None,
    out: Path,
    reuse: bool,
) -> int:
    """The workflow's start-up check, from the command line: exit 0 if every entry can be had
    (some may be moved or unmeasurable: printed), 1 listing those in error, 2 for a config
    that is not a study or a table that cannot be written."""
    from powerhungry.preflight import errors_of, run_preflight

    study, _ = study_of(parser, "preflight", workdir, configfiles)
    if out.is_dir() or not os.access(_existing_parent(out), os.W_OK):
        parser.exit(2, f"powerhungry preflight: --out {out}: not a file that can be written\n")
    rows = run_preflight(study, out, reuse)
    print(f"table: {out}")
    message = errors_of(rows)
    if message is not None:
        print(f"powerhungry preflight: {message}", file=sys.stderr)
        return 1
    return 0


def study_of(
    parser: argparse.ArgumentParser, command: str, workdir: Path, configfiles: list[Path] | None
) -> tuple[Study, dict[str, Any]]:
    """The study of `configfiles` (default: the workflow's config/config.yaml) with its
    validated config, the working directory changed to `workdir`; exits 2 naming the problem
    for a folder without the schema or a config that is not a study."""
    import yaml

    from powerhungry.study import StudyConfigError, read_config_files, study_from_config
    from powerhungry.tasks import RUNNABLE_TASKS

    # Config files named here are found from here; the rest (the schema, the config's local
    # paths, outputs) from the workflow's folder, as the workflow reads them.
    given = list(configfiles or [])
    configfiles = [path.resolve() for path in given or [workdir / "config" / "config.yaml"]]
    schema = workdir / "config" / "schema.yaml"
    if not schema.is_file():
        parser.exit(
            2,
            f"powerhungry {command}: no {schema}: run it in the workflow's folder or give "
            "--workdir\n",
        )
    os.chdir(workdir)
    try:
        config = read_config_files(configfiles)
        return study_from_config(config, "config/schema.yaml", RUNNABLE_TASKS), config
    except (OSError, yaml.YAMLError, StudyConfigError) as error:
        hint = (
            " (the files named are read alone, later ones overlaying earlier ones: to overlay "
            "the paper's study, name config/config.yaml first)"
            if given and not any(path.name == "config.yaml" for path in given)
            else ""
        )
        parser.exit(2, f"powerhungry {command}: invalid study config: {error}{hint}\n")


def plan(
    parser: argparse.ArgumentParser,
    workdir: Path,
    configfiles: list[Path],
    out: Path | None,
    tasks: list[str] | None,
    samples: int | None,
) -> int:
    """Print the study's plan (powerhungry.plan.estimate.summary), of only `tasks` and at
    `samples` per dataset where given; exit 0 if every cell can run as planned, 1 listing those
    that cannot, 2 for a config that is not a study, an unknown task or GPU class."""
    from powerhungry.plan import PlanSettingsError, plan_settings
    from powerhungry.plan.estimate import summary, write_plan
    from powerhungry.plan.jobs import JobPlan

    out = out.resolve() if out is not None else None
    if out is not None and (out.is_dir() or not os.access(_existing_parent(out), os.W_OK)):
        parser.exit(2, f"powerhungry plan: --out {out}: not a file that can be written\n")
    study, config = study_of(parser, "plan", workdir, configfiles)
    try:
        settings = plan_settings(config)
    except PlanSettingsError as error:
        parser.exit(2, f"powerhungry plan: {error}\n")
    unknown = set(tasks or []) - set(study.tasks)
    if unknown:
        parser.exit(
            2,
            f"powerhungry plan: --task {', '.join(sorted(unknown))}: not a task of the study "
            f"({', '.join(study.tasks)})\n",
        )
    if samples is not None and samples < 1:
        parser.exit(2, "powerhungry plan: --samples must be at least 1\n")
    study = subset(study, tasks, samples)
    try:
        rows = JobPlan(study, settings).rows()
    except ValueError as error:  # a recorded layout.json that is not one
        parser.exit(2, f"powerhungry plan: {error}\n")
    print(summary(rows, settings, study.scenarios))
    if out is not None:
        write_plan(rows, out)
        print(f"table: {out}")
    return 1 if any(row.problem for row in rows) else 0


def restore_models(parser: argparse.ArgumentParser, workdir: Path, configfiles: list[Path]) -> int:
    """`powerhungry restore-models`: each prepared model's folder back, its manifest untouched."""
    from powerhungry.models.prepare import ModelSourceError, manifest_path, restore_model

    study, _ = study_of(parser, "restore-models", workdir, configfiles)
    failed = 0
    for model in study.models:
        manifest = manifest_path(study.cache_dir, model)
        if not manifest.is_file():
            print(f"{model.id}: not prepared yet ({manifest}): the workflow prepares it")
            continue
        try:
            print(f"{model.id}: {restore_model(model, manifest)}")
        except ModelSourceError as error:
            failed += 1
            print(f"{model.id}: {error}", file=sys.stderr)
    return 1 if failed else 0


def subset(study: Study, tasks: list[str] | None, samples: int | None) -> Study:
    """The study's cells of `tasks` only (all if None), every dataset at `samples` (as
    configured if None)."""
    from dataclasses import replace

    cells = [
        replace(cell, dataset=replace(cell.dataset, samples=samples or cell.dataset.samples))
        for cell in study.cells
        if tasks is None or cell.task in tasks
    ]
    return replace(study, cells=cells)


def _existing_parent(path: Path) -> Path:
    """The nearest folder of `path` that exists (where creating the rest would start)."""
    for parent in path.absolute().parents:
        if parent.is_dir():
            return parent
    return Path("/")


def compare(
    parser: argparse.ArgumentParser, a: str, b: str, out: Path, workdir: Path, own_cells: bool
) -> int:
    """`powerhungry compare`: print what differs between runs `a` and `b`, then the ratio B / A
    per task; write the tables and figure to `out`. Exit 1 if nothing could be compared, 2 for
    a path that holds no run or an output folder that cannot be written."""
    from powerhungry.analysis.compare import (
        RunError,
        compare_runs,
        read_run,
        setup_table,
        unmatched,
    )
    from powerhungry.files import write_table
    from powerhungry.plan.paper_logs import REFERENCE
    from powerhungry.plots.comparison import run_ratios
    from powerhungry.plots.drawing import save

    names = ("a", "b")
    runs = []
    for given in (a, b):
        path = workdir / REFERENCE / "measurements.csv.gz" if given == "paper" else Path(given)
        try:
            runs.append(read_run(path))
        except RunError as error:
            hint = (
                " (`paper` is read from --workdir, the workflow's folder)"
                if given == "paper"
                else ""
            )
            parser.exit(2, f"powerhungry compare: {error}{hint}\n")
    setup = setup_table(*runs, names)
    table = compare_runs(*runs, names, shared_only=not own_cells)
    figure = run_ratios(table, setup, names, (a, b))
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, written in (("comparison", table), ("comparison_setup", setup)):
            write_table(out / f"{name}.csv", written)
        save(figure, out / "comparison.png", out / "comparison.pdf")
    except OSError as error:
        parser.exit(2, f"powerhungry compare: --out {out}: cannot be written: {error}\n")
    print(f"A = {a}\nB = {b}\n")
    print(setup.to_string(index=False))
    counts = unmatched(*runs)
    cells = int((table["level"] == "cell").sum())
    print(
        f"\ncells: {cells} in common, {counts['only_a']} only in A, {counts['only_b']} only in "
        f"B, {counts['other_protocol']} in both under another protocol (batch size, dtype: not "
        f"compared), {counts['several_protocols']} pooling several protocols (not compared)"
    )
    tasks = table[table["level"] == "task"]
    if len(tasks):
        columns = ["task", "model_kind", "a_n_cells", "b_n_cells", "a_energy_kwh_per_1k"]
        columns += ["b_energy_kwh_per_1k", "energy_ratio", "energy_ratio_low_95"]
        columns += ["energy_ratio_high_95"]
        print("\n" + tasks[columns].to_string(index=False, float_format="{:.4g}".format))
    print(f"\ntables and figure: {out}")
    if table.empty:
        how = "" if own_cells else "; --own-cells compares tasks over each run's own cells"
        print(f"powerhungry compare: the runs have no cell in common{how}", file=sys.stderr)
        return 1
    return 0


def artifact(parser: argparse.ArgumentParser, workdir: Path, out: Path) -> int:
    from powerhungry.artifact import ArtifactError, build_artifact

    try:
        manifest = build_artifact(workdir, out)
    except (ArtifactError, OSError) as error:
        parser.exit(2, f"powerhungry artifact: {error}\n")
    print(f"{out}: {len(manifest['files'])} files, workflow {manifest['workflow_commit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
