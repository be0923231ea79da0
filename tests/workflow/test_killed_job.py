"""A measurement job killed with SIGKILL in the middle of its repetitions: nothing of it is left
for the aggregation to read (only its checkpoint), and rerunning measures that cell only, from the
repetition it was in, leaving the others' bytes as they were."""

import hashlib
import os
import re
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import (
    BIN,
    SNAKEMAKE,
    alive,
    copy_workflow,
    ended_within,
    small_study,
    tiny_classifier,
)

from powerhungry.forkserver import FORKED_NOTICE, KILL_AFTER_S
from powerhungry.measure.gpus import LEASES

pytestmark = pytest.mark.workflow

# Two cells, three repetitions each: time to kill one in the middle of its repetitions.
STUDY = small_study(
    models=[tiny_classifier("test/first"), tiny_classifier("test/second")],
    protocol={"repetitions": 3, "device": "cpu", "measure_power_secs": 1, "idle_seconds": 1},
)
STUDY["datasets"][0]["samples"] = 4
COMMAND = [
    SNAKEMAKE,
    "--configfile",
    "config/killed.yaml",
    "--replace-workflow-config",
    "--cores",
    "1",
    "--resources",
    "gpu=1",
    "--keep-going",
    # The aggregation is what must not read a killed cell; the tables after it are tested elsewhere.
    "results/tables/measurements.csv",
]
CELL = Path("results/measurements/text_classification")
LOG = Path("logs/measure_inference/text_classification")
TIMEOUT_S = 300
CPU_LEASE = LEASES / "gpu-cpu.lock"


def measurement_process(workdir: Path) -> int | None:
    """The pid of the running measurement script of this workflow copy, if any."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            if "measure_inference.py" in cmdline and str(workdir) in cmdline:
                return int(entry.name)
        except OSError:  # the process ended meanwhile
            continue
    return None


def measuring_pid(log: Path) -> int | None:
    """The process measuring the cell of this log: a fork server's child (its pid on the log's
    first line), else the job's own (None)."""
    first = log.read_text().partition("\n")[0]
    served = re.match(re.escape(FORKED_NOTICE) + r" \(pid (\d+)\)", first)
    return int(served.group(1)) if served else None


def kill_first_measurement_mid_repetitions(workdir: Path) -> tuple[str, int]:
    """SIGKILL the first measurement job's process (as Snakemake or SLURM would) once its cell
    measures: the CPU measurement lease names the measuring process, the job's own or the fork
    server's child measuring for it. Return the job's model and the measuring pid."""
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        pid = measurement_process(workdir)
        holder = CPU_LEASE.read_text().strip() if CPU_LEASE.is_file() else ""
        if pid and holder.isdigit() and alive(int(holder)):
            for model in ("test--first", "test--second"):
                log = workdir / LOG / model / "reviews.log"
                if log.is_file() and int(holder) in (pid, measuring_pid(log)):
                    os.kill(pid, signal.SIGKILL)
                    return model, int(holder)
        time.sleep(0.05)
    raise AssertionError("no measurement started")


def scratch_folders() -> set[Path]:
    """The measurement scratch folders in the temp folder (`powerhungry.measure.cell`)."""
    return set(Path(tempfile.gettempdir()).glob("powerhungry-codecarbon-*"))


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_killed_measurement_is_measured_again_alone(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / "config" / "killed.yaml").write_text(yaml.safe_dump(STUDY))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    scratch_before = scratch_folders()
    with subprocess.Popen(
        COMMAND, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as run:
        killed, measuring = kill_first_measurement_mid_repetitions(workdir)
        output, _ = run.communicate(timeout=TIMEOUT_S)
    # The measuring process ended with its job (a fork server's child is interrupted, then
    # killed if it has not ended by then).
    assert ended_within(measuring, KILL_AFTER_S + 5)
    # Interrupted, it removed its CodeCarbon scratch folder (the job's own process, killed,
    # could not).
    assert scratch_folders() <= scratch_before
    assert run.returncode != 0, output[-3000:]
    survivor = {"test--first": "test--second", "test--second": "test--first"}[killed]
    # Nothing of the killed cell (its files are written only at the end, atomically) but the
    # checkpoint of the repetitions it finished, if any.
    left = {p.name for p in (workdir / CELL / killed).glob("*")}
    assert left <= {"reviews.checkpoint.json"}, left
    assert not (workdir / "results" / "tables" / "measurements.csv").exists()
    measured = digests(workdir / CELL / survivor)
    assert set(measured) == {"reviews.csv", "reviews.codecarbon.csv"}

    rerun = subprocess.run(
        COMMAND, cwd=workdir, env=env, capture_output=True, text=True, timeout=TIMEOUT_S
    )
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    # The killed cell only.
    assert re.search(r"^measure_inference\s+1\s*$", rerun.stdout + rerun.stderr, re.MULTILINE)
    assert digests(workdir / CELL / survivor) == measured
    rows = pd.read_csv(workdir / CELL / killed / "reviews.csv")
    assert sorted(zip(rows["repetition"], rows["phase"], strict=True)) == [
        (r, phase) for r in range(3) for phase in ("load", "query")
    ]
    assert not (workdir / CELL / killed / "reviews.checkpoint.json").exists()
    assert (workdir / "results" / "tables" / "measurements.csv").is_file()
