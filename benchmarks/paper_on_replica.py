"""The paper's whole study against the Hub replica: config/config.yaml (30 datasets, 88 models,
312 cells) with 2 samples per dataset, 1 repetition, on the CPU, every dataset and model fetched
from a local replica of today's Hub (tests/hub_replica, generated from paper_datasets.yaml and
paper_models.yaml) by the unmodified clients, then measured offline: `make paper-replica`.

It runs a fresh clone of a commit (default: HEAD) with the Python that runs it (`make
paper-replica`: the installed .venv; `PY=` another environment, e.g. the GPU stack), as the demo
benchmark does, and appends one line to benchmarks/results/paper_on_replica.tsv: the stack, cells
planned, measured and missing, and the wall-clock time (s) of the Snakemake run (publishing the
replica excluded).
The run's missing_cells.csv (each cell not measured, with its cause and fix) is copied to
benchmarks/results/paper_on_replica_missing.csv.

    .venv/bin/python benchmarks/paper_on_replica.py [--commit REV] [--keep DIR] [--cores N]

The replica's models are tiny stand-ins of each family: what is measured is that every cell
loads and runs, never what the paper's models cost.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from helpers import SECRET_TOKEN  # noqa: E402
from hub_replica import HubReplica  # noqa: E402
from hub_replica.paper_hub import publish_paper_datasets  # noqa: E402
from hub_replica.paper_models import publish_paper_models  # noqa: E402

from powerhungry.columns import CELL_KEY, FAILED_PHASE  # noqa: E402
from powerhungry.study import study_from_config  # noqa: E402
from powerhungry.tasks import RUNNABLE_TASKS  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
OVERLAY = {"repetitions": 1, "device": "cpu", "idle_seconds": 1}
SAMPLES = 2


def replica_config(workflow: Path) -> Path:
    """config/config.yaml with SAMPLES rows per dataset and the OVERLAY protocol, written beside
    it as config/replica.yaml."""
    config = yaml.safe_load((workflow / "config" / "config.yaml").read_text())
    for dataset in config["datasets"]:
        dataset["samples"] = SAMPLES
    config["protocol"] |= OVERLAY
    path = workflow / "config" / "replica.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def measured_cells(workflow: Path) -> int:
    """Cells with at least one measured row in results/tables/measurements.csv."""
    table = workflow / "results" / "tables" / "measurements.csv"
    if not table.exists():
        return 0
    rows = pd.read_csv(table)
    rows = rows[(rows["phase"] != FAILED_PHASE) & rows["energy_kwh"].notna()]
    return len(rows.drop_duplicates(list(CELL_KEY)))


def cpu_model() -> str:
    """The CPU's name as /proc/cpuinfo gives it (as benchmarks/demo_runtime.sh records it)."""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def software_stack() -> str:
    """The torch build and timm of the Python running the study, e.g. "torch 2.13.0+cpu" or
    "torch 2.13.0+cu130, timm 1.0.31" (the timm-backbone detectors load only where timm does)."""
    from importlib.metadata import PackageNotFoundError, version

    import torch  # its own version string names the build (+cpu, +cu130); its metadata does not

    stack = [f"torch {torch.__version__}"]
    with contextlib.suppress(PackageNotFoundError):
        stack.append(f"timm {version('timm')}")
    return ", ".join(stack)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commit", default="HEAD")
    parser.add_argument("--keep", type=Path, help="run in DIR and keep it (default: a temp dir)")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="paper-replica-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        return run(root, args)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


def run(root: Path, args: argparse.Namespace) -> int:
    """The whole run in `root`; the snakemake exit status."""
    workflow = root / "workflow"
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", args.commit],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.rmtree(workflow, ignore_errors=True)
    subprocess.run(["git", "clone", "--quiet", str(REPO), str(workflow)], check=True)
    subprocess.run(["git", "-C", str(workflow), "checkout", "--quiet", commit], check=True)
    config = replica_config(workflow)
    models = yaml.safe_load(config.read_text())["models"]
    with HubReplica(root / "replica", accepted_tokens=[SECRET_TOKEN]) as replica:
        started = time.monotonic()
        publish_paper_datasets(replica)
        publish_paper_models(replica, models, root / "built")
        published_s = time.monotonic() - started
        env = {
            **replica.env,
            "HF_TOKEN": SECRET_TOKEN,  # imagenet-1k is gated, as on the Hub
            "HF_HOME": str(root / "hf-home"),
            "PYTHONPATH": str(workflow / "src"),  # the clone's code, not the editable install
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        }
        command = [
            str(Path(sys.executable).parent / "snakemake"),
            *("--configfile", str(config.relative_to(workflow)), "--replace-workflow-config"),
            *("--cores", str(args.cores), "--resources", f"gpu={args.cores}"),
            "--keep-going",
            "all",
        ]
        started = time.monotonic()
        with open(root / "run.log", "w") as log:
            snakemake = subprocess.run(command, cwd=workflow, env=env, stdout=log, stderr=log)
        seconds = time.monotonic() - started
    study = study_from_config(
        yaml.safe_load(config.read_text()), workflow / "config" / "schema.yaml", RUNNABLE_TASKS
    )
    missing_table = workflow / "results" / "tables" / "missing_cells.csv"
    missing = pd.read_csv(missing_table) if missing_table.exists() else pd.DataFrame()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if missing_table.exists():
        shutil.copyfile(missing_table, RESULTS / "paper_on_replica_missing.csv")
    line = {
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": commit,
        "cpus": os.cpu_count(),
        "cpu_model": cpu_model(),
        "stack": software_stack(),
        "cells": len(study.cells),
        "measured": measured_cells(workflow),
        "missing": len(missing),
        "snakemake_rc": snakemake.returncode,
        "publish_s": round(published_s, 1),
        "seconds": round(seconds, 1),
        "run": "whole config",
    }
    table = RESULTS / "paper_on_replica.tsv"
    pd.DataFrame([line]).to_csv(table, sep="\t", index=False, mode="a", header=not table.exists())
    print("\t".join(f"{key}={value}" for key, value in line.items()))
    if snakemake.returncode != 0:  # the log goes with the temporary folder: its end, here
        print((root / "run.log").read_text()[-6000:])
    print(f"run log: {root / 'run.log'}" if args.keep else "")
    return snakemake.returncode


if __name__ == "__main__":
    sys.exit(main())
