"""A real single-node SLURM cluster for the tests, and Snakemake runs on it whose every wait is
bounded: tests/slurm/local_cluster.sh starts and stops the cluster; this module drives it."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from helpers import BIN, REPO, SNAKEMAKE

SCRIPT = Path(__file__).with_name("local_cluster.sh")
# One cluster per machine (/etc/slurm, fixed ports): concurrent test sessions take turns.
LOCK = Path("/tmp/powerhungry-slurm-tests.lock")
LOCK_WAIT_S = 1800  # longer than a whole SLURM test module, its 20-minute time-limit run included
UP_TIMEOUT_S = 300  # includes the first `apt-get install` (about 10 s on a Debian mirror)
DOWN_TIMEOUT_S = 120
SLURM_COMMAND_TIMEOUT_S = 30

# The fake node. A measurement asks 4 CPUs per GPU and the memory of its cell's estimate (a tiny
# model's: a few GB; 32000 MB * attempt before its size is known), a real GPU node's figures:
# the node advertises enough for attempt 2 (SLURM enforces neither here: no cgroups), so the
# rules' resources are tested as shipped.
# Its state in one place per machine, as /etc/slurm is, whatever temp folder this session has.
NODE = {"SLURM_CI_CPUS": "8", "SLURM_CI_MEM": "65536", "SLURM_CI_VAR": "/tmp/slurm-ci"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def script(action: str, timeout: int, **settings: str) -> subprocess.CompletedProcess[str]:
    """Run local_cluster.sh ACTION, killed (with everything it started in its foreground)
    after `timeout` seconds."""
    return subprocess.run(
        ["timeout", "-s", "KILL", str(timeout), "bash", str(SCRIPT), action],
        capture_output=True,
        text=True,
        env={**os.environ, **NODE, **settings},
        timeout=timeout + 30,
    )


def slurm(*command: str) -> str:
    """Output of a SLURM client command, bounded."""
    return subprocess.run(
        ["timeout", "-s", "KILL", str(SLURM_COMMAND_TIMEOUT_S), *command],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@contextlib.contextmanager
def machine_lock() -> Iterator[None]:
    """Exclusive use of this machine's test cluster, waiting at most LOCK_WAIT_S for it."""
    with LOCK.open("a") as handle:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test session held {LOCK} for {LOCK_WAIT_S} s")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Cluster:
    """The running test cluster."""

    def up(self, **settings: str) -> None:
        """(Re)start with these settings (local_cluster.sh's SLURM_CI_* variables). Outside CI a
        machine that cannot run a cluster skips the tests; in CI (as root) it fails them."""
        result = script("up", UP_TIMEOUT_S, **settings)
        if result.returncode != 0:
            reason = (
                f"local SLURM cluster did not start (local_cluster.sh up, exit "
                f"{result.returncode}): {result.stderr.strip()[-1500:]}"
            )
            if in_ci():
                pytest.fail(reason)
            pytest.skip(reason)

    def down(self) -> None:
        result = script("down", DOWN_TIMEOUT_S)
        assert result.returncode == 0, result.stderr

    def cancel_all(self) -> None:
        """Cancel every job; the cluster is the tests' own."""
        subprocess.run(
            ["timeout", "-s", "KILL", "30", "scancel", "--full", "--user", "root"],
            capture_output=True,
            check=False,
        )

    def job_ids(self) -> list[str]:
        """Every job SLURM still knows, finished ones included (MinJobAge=3600)."""
        return slurm("squeue", "-h", "-t", "all", "-o", "%i").split()

    def job(self, job_id: str) -> dict[str, str]:
        """What SLURM records of a job: JobState, Partition, Comment (the executor writes the rule
        and its wildcards there), TresPerJob (e.g. gres:gpu:1 for --gpus=1), ..."""
        fields = slurm("scontrol", "--oneliner", "show", "job", job_id).split()
        pairs = (field.partition("=") for field in fields)
        return {key: value for key, equals, value in pairs if equals}


@contextlib.contextmanager
def local_cluster() -> Iterator[Cluster]:
    """A cluster with one fake GPU, stopped afterwards whatever happened. Skipped where it cannot
    start (not root, no apt, no packages), except in CI, where that fails."""
    if os.geteuid() != 0:
        pytest.skip("starting a local SLURM cluster needs root (apt-get, /etc/slurm, daemons)")
    with machine_lock():
        cluster = Cluster()
        try:
            cluster.up(SLURM_CI_GPUS="1")
            yield cluster
        finally:
            cluster.down()


def ci_profile(folder: Path, partition: str) -> Path:
    """The shipped profiles/slurm with only what this cluster needs changed: its partition, squeue
    status polling (no accounting database, so no sacct) and short waits."""
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = partition
    profile["slurm-status-command"] = "squeue"
    profile["slurm-init-seconds-before-status-checks"] = 5
    profile["latency-wait"] = 5
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return folder


@dataclass
class Run:
    returncode: int
    output: str  # stdout and stderr, interleaved as printed
    log: str  # the run's .snakemake/log/*.snakemake.log ("" if none)


class Snakemake:
    """snakemake ARGS started in workdir; `finish` waits for it, at most `timeout` seconds from
    the start. A run still going then is killed with all its local processes, and every SLURM job
    is cancelled, so that a hang fails the test instead of blocking it. (The executor plugin can
    poll forever and ignores SIGTERM: only SIGKILL ends it.)"""

    def __init__(self, workdir: Path, *args: str, timeout: int) -> None:
        self.workdir, self.args, self.timeout = workdir, args, timeout
        self.output = workdir / "snakemake.out"
        self.deadline = time.monotonic() + timeout
        with self.output.open("w") as out:
            self.process = subprocess.Popen(
                ["timeout", "-s", "KILL", str(timeout), SNAKEMAKE, *args],
                cwd=workdir,
                stdout=out,
                stderr=subprocess.STDOUT,
                env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"},
                start_new_session=True,  # its own process group, killed as a whole
            )

    def finish(self, cluster: Cluster | None = None) -> Run:
        try:
            returncode = self.process.wait(timeout=max(0, self.deadline - time.monotonic()) + 10)
        except subprocess.TimeoutExpired:
            returncode = None
        if returncode is None or returncode in (124, 137, -signal.SIGKILL):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
            if cluster is not None:
                cluster.cancel_all()
            pytest.fail(
                f"snakemake {' '.join(self.args)} did not finish in {self.timeout} s; killed, "
                f"SLURM jobs cancelled. Last output:\n{self.output.read_text()[-3000:]}"
            )
        logs = sorted((self.workdir / ".snakemake" / "log").glob("*.snakemake.log"))
        return Run(returncode, self.output.read_text(), logs[-1].read_text() if logs else "")


def run_bounded(workdir: Path, *args: str, timeout: int, cluster: Cluster | None = None) -> Run:
    """snakemake ARGS in workdir, bounded as Snakemake.finish says."""
    return Snakemake(workdir, *args, timeout=timeout).finish(cluster)
