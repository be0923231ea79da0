"""Command line: `powerhungry preflight` (every entry of a study checked on the Hub),
`powerhungry summarize MEASUREMENTS.csv[.gz] --out DIR` and `powerhungry artifact OUT.tar.gz`
(a reproducibility artifact without conda)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # each command imports what it needs: preflight needs no pandas
    import pandas as pd


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
    parser = argparse.ArgumentParser(prog="powerhungry", description=__doc__)
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
    artifact_parser = commands.add_parser(
        "artifact",
        help="tar.gz of the committed workflow, results/, logs/ and the exact package versions",
    )
    artifact_parser.add_argument("out", type=Path, help="archive to write (.tar.gz)")
    artifact_parser.add_argument("--workdir", type=Path, default=Path(), help="workflow checkout")
    args = parser.parse_args(argv)
    if args.command == "artifact":
        return artifact(parser, args.workdir, args.out)
    if args.command == "preflight":
        return preflight(parser, args.workdir, args.configfile, args.out, args.reuse)
    from powerhungry.analysis.paper_tables import multi_purpose_summary
    from powerhungry.analysis.summary import summarize
    from powerhungry.files import write_atomic

    try:
        tables = summarize(read_measurements(args.measurements, args.in_paper))
        tables["multi_purpose"] = multi_purpose_summary(tables["cell_summary"])
    except (ValueError, OSError) as error:
        parser.exit(2, f"powerhungry summarize: {error}\n")
    args.out.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        write_atomic(args.out / f"{name}.csv", lambda tmp, t=table: t.to_csv(tmp, index=False))
    columns = [
        "task",
        "model_kind",
        "n_models",
        "energy_kwh_per_1k_mean",
        "emissions_g_per_1k_mean",
    ]
    print(tables["task_summary"][columns].to_string(index=False))
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
    import yaml

    from powerhungry.preflight import errors_of, run_preflight
    from powerhungry.study import StudyConfigError, read_config_files, study_from_config
    from powerhungry.tasks import RUNNABLE_TASKS

    # Config files named here are found from here; the rest (the schema, the config's local
    # paths, --out) from the workflow's folder, as the workflow reads them.
    configfiles = [path.resolve() for path in configfiles or [workdir / "config" / "config.yaml"]]
    schema = workdir / "config" / "schema.yaml"
    if not schema.is_file():
        parser.exit(
            2,
            f"powerhungry preflight: no {schema}: run it in the workflow's folder or give "
            "--workdir\n",
        )
    os.chdir(workdir)
    if out.is_dir() or not os.access(_existing_parent(out), os.W_OK):
        parser.exit(2, f"powerhungry preflight: --out {out}: not a file that can be written\n")
    try:
        config = read_config_files(configfiles)
        study = study_from_config(config, "config/schema.yaml", RUNNABLE_TASKS)
    except (OSError, yaml.YAMLError, StudyConfigError) as error:
        parser.exit(2, f"powerhungry preflight: invalid study config: {error}\n")
    rows = run_preflight(study, out, reuse)
    print(f"table: {out}")
    message = errors_of(rows)
    if message is not None:
        print(f"powerhungry preflight: {message}", file=sys.stderr)
        return 1
    return 0


def _existing_parent(path: Path) -> Path:
    """The nearest folder of `path` that exists (where creating the rest would start)."""
    for parent in path.absolute().parents:
        if parent.is_dir():
            return parent
    return Path("/")


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
