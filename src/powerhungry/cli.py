"""Command line: `powerhungry summarize MEASUREMENTS.csv[.gz] --out DIR` and
`powerhungry artifact OUT.tar.gz` (a reproducibility artifact without conda)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from powerhungry.analysis.paper_tables import multi_purpose_summary
from powerhungry.analysis.summary import summarize
from powerhungry.artifact import ArtifactError, build_artifact
from powerhungry.files import write_atomic


def read_measurements(path: Path, in_paper_only: bool) -> pd.DataFrame:
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
    artifact_parser = commands.add_parser(
        "artifact",
        help="tar.gz of the committed workflow, results/, logs/ and the exact package versions",
    )
    artifact_parser.add_argument("out", type=Path, help="archive to write (.tar.gz)")
    artifact_parser.add_argument("--workdir", type=Path, default=Path(), help="workflow checkout")
    args = parser.parse_args(argv)
    if args.command == "artifact":
        return artifact(parser, args.workdir, args.out)
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


def artifact(parser: argparse.ArgumentParser, workdir: Path, out: Path) -> int:
    try:
        manifest = build_artifact(workdir, out)
    except (ArtifactError, OSError) as error:
        parser.exit(2, f"powerhungry artifact: {error}\n")
    print(f"{out}: {len(manifest['files'])} files, workflow {manifest['workflow_commit']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
