"""Aggregations racing or interrupted never leave a truncated table that a later run trusts."""

import io
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pandas as pd
import pytest
from helpers import BIN, SNAKEMAKE, run_snakemake

pytestmark = pytest.mark.workflow

TABLE = Path("results/tables/measurements.csv")
# The aggregation alone (its table as the target): the tables and figures after it are not
# what these tests are about. `--forcerun=RULE`, not `--forcerun RULE`: the option takes any
# number of values, so a target after it would be read as one more rule to force, and the run
# would make every table and figure.
AGGREGATE = ["--profile", "profiles/demo", "--forcerun=aggregate_measurements", str(TABLE)]


@pytest.fixture
def finished_run(demo_run, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(demo_run, workdir, symlinks=True)
    return workdir


def start(workdir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [SNAKEMAKE, *AGGREGATE],
        cwd=workdir,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
    )


def leftovers(workdir: Path) -> list[str]:
    """Temporary files of atomic writes that were never moved into place."""
    return [p.name for p in (workdir / "results" / "tables").glob(".*.tmp")]


def refused_by_the_other(output: str) -> bool:
    return "cannot be locked" in output or "seem to be incomplete" in output


def test_two_aggregations_at_once(finished_run):
    before = pd.read_csv(finished_run / TABLE)
    runs = [start(finished_run) for _ in range(2)]
    outputs = [run.communicate(timeout=600)[0] for run in runs]
    codes = sorted(run.returncode for run in runs)
    # The second run refuses and says why: Snakemake locks the working directory once the DAG is
    # built, and while building it a run that sees the other's table marked incomplete stops there.
    assert codes[0] == 0, outputs
    if codes[1] != 0:
        assert any(refused_by_the_other(output) for output in outputs), outputs
    after = pd.read_csv(finished_run / TABLE)
    assert len(after) == len(before) and list(after.columns) == list(before.columns)
    assert leftovers(finished_run) == []


def test_an_interrupted_aggregation_is_redone(finished_run):
    before = (finished_run / TABLE).read_bytes()
    run = start(finished_run)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:  # kill the aggregation script as soon as it runs
        script = subprocess.run(
            ["pgrep", "-f", f"{finished_run}.*aggregate_measurements.py"],
            capture_output=True,
            text=True,
        ).stdout.split()
        if script:
            for pid in script:
                os.kill(int(pid), signal.SIGKILL)
            break
        time.sleep(0.05)
    run.communicate(timeout=300)
    assert run.returncode != 0
    # Snakemake removes a job's old outputs before running it, and the script writes its table
    # atomically: after the kill there is no table, or the old one whole; never a partial one.
    table = finished_run / TABLE
    assert not table.exists() or table.read_bytes() == before
    redo = run_snakemake(finished_run, "--profile", "profiles/demo", "-n", str(TABLE))
    assert redo.returncode == 0
    assert "aggregate_measurements" in redo.stdout + redo.stderr  # not trusted: planned again
    done = run_snakemake(finished_run, "--profile", "profiles/demo", str(TABLE))
    assert done.returncode == 0, done.stderr[-3000:]
    assert len(pd.read_csv(table)) == len(pd.read_csv(io.BytesIO(before)))
    assert leftovers(finished_run) == []
