"""The fork server's choice of the jobs it serves, and a job's way back to its own process.
Serving for real (imports, forks, logs, a killed job) is tested on the demo and the killed-job
workflow tests."""

import dataclasses
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import standin_nvml

from powerhungry.forkserver import (
    IGNORED_VARIABLES,
    SERVER_VARIABLE,
    Request,
    _Server,
    request_for,
    run_in_forked_child,
    start_server,
)

# Functions the workflow's jobs have run in a child (rules measure_inference, prepare_model,
# plot_<figure>).
MEASURE = "powerhungry.measure.job:measure_here"
BUILD = "powerhungry.models.prepare:prepare_here"
FIGURE = "powerhungry.plots.job:plot_figure"


@pytest.fixture
def served():
    """A server whose first job was `request_for(MEASURE, None, None)` in this process, set
    up."""
    server = _Server(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    server.reference = request_for(MEASURE, None, None)
    yield server
    server.listener.close()


def with_environment(request: Request, **changes: str | None) -> Request:
    environment = {**request.environment, **changes}
    return dataclasses.replace(
        request, environment={k: v for k, v in environment.items() if v is not None}
    )


def test_a_job_like_the_first_is_served(served):
    job = dataclasses.replace(served.reference, args=({"any": "job"}, {"shard": 1}))
    assert served.refusal(job) is None
    build = dataclasses.replace(served.reference, function=BUILD, args=({"any": "job"},))
    assert served.refusal(build) is None


def test_the_server_imports_a_jobs_module_before_it_forks(served):
    """Once, in the server: every later child of that module inherits its imports."""
    figure = dataclasses.replace(served.reference, function=FIGURE, args=({"any": "job"},))
    sys.modules.pop("powerhungry.plots.job", None)
    assert served.refusal(figure) is None
    assert "powerhungry.plots.job" in sys.modules


def test_a_function_the_server_cannot_import_is_refused_saying_why(served):
    for function in ("powerhungry.no_such_module:run", "powerhungry.plots.job:no_such_job"):
        refusal = served.refusal(dataclasses.replace(served.reference, function=function))
        assert refusal is not None and f"could not import {function}" in refusal


def test_a_build_before_any_measurement_neither_sets_up_the_server_nor_is_served():
    """Snakemake sets per-job variables (threads, tmpdir) that may differ between rules: the
    server sets up in a measurement job's environment, never in a build's."""
    server = _Server(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
    try:
        refusal = server.refusal(request_for(BUILD, {"any": "job"}, sets_up=False))
        assert refusal is not None and "not set up yet" in refusal
        assert server.reference is None
    finally:
        server.listener.close()


def test_once_set_up_a_build_in_another_environment_is_refused(served):
    build = with_environment(
        dataclasses.replace(served.reference, function=BUILD, sets_up=False), OMP_NUM_THREADS="7"
    )
    refusal = served.refusal(build)
    assert refusal is not None and "OMP_NUM_THREADS" in refusal


def test_only_functions_of_powerhungry_are_run(served):
    request = dataclasses.replace(served.reference, function="os:system", args=("true",))
    assert served.refusal(request) == "os:system is not a function of powerhungry"


@pytest.mark.parametrize(
    "changes, named",
    [
        ({"OMP_NUM_THREADS": "7"}, "OMP_NUM_THREADS"),  # set per job by Snakemake's threads
        ({"HF_HOME": "/elsewhere"}, "HF_HOME"),  # read by huggingface_hub on import
        ({"PATH": None}, "PATH"),  # a variable the job lacks
    ],
)
def test_a_job_in_another_environment_is_refused_naming_the_variable(served, changes, named):
    refusal = served.refusal(with_environment(served.reference, **changes))
    assert refusal is not None and named in refusal


def test_the_shells_last_command_variable_does_not_count(served):
    (ignored,) = IGNORED_VARIABLES
    assert served.refusal(with_environment(served.reference, **{ignored: "/bin/x"})) is None


@pytest.mark.parametrize(
    "field, value, said",
    [
        ("executable", "/usr/bin/python3.9", "another Python"),
        ("package", "/elsewhere/powerhungry/__init__.py", "another powerhungry"),
        ("cwd", "/", "working directory"),
        ("sys_path", ["/elsewhere"], "sys.path"),
    ],
)
def test_a_job_of_another_python_package_or_folder_is_refused(served, field, value, said):
    request = dataclasses.replace(served.reference, **{field: value})
    refusal = served.refusal(request)
    assert refusal is not None and said in refusal


def test_a_server_that_could_not_set_up_refuses_every_job(served):
    served.broken = "a GPU machine: ..."
    assert served.refusal(served.reference) == "a GPU machine: ..."


def test_without_a_reachable_server_the_job_says_why_and_measures_itself(monkeypatch, tmp_path):
    monkeypatch.delenv(SERVER_VARIABLE, raising=False)
    assert "no fork server" in run_in_forked_child(MEASURE, None, None)
    monkeypatch.setenv(SERVER_VARIABLE, str(tmp_path / "gone"))
    assert "cannot be reached" in run_in_forked_child(MEASURE, None, None)


def test_a_server_in_a_long_temp_folder_listens_under_tmp_and_cleans_up(tmp_path, monkeypatch):
    """A Unix socket's path holds at most 108 bytes; a long TMPDIR must not cost the server."""
    long = tmp_path / ("x" * 120)
    long.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(long))
    monkeypatch.delenv(SERVER_VARIABLE, raising=False)
    server = start_server(tmp_path / "server.log")
    try:
        path = Path(os.environ.pop(SERVER_VARIABLE))
        assert path.parent.parent == Path("/tmp") and path.is_socket()
        assert "fork server for the run's jobs at" in (tmp_path / "server.log").read_text()
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert not path.parent.exists()


def test_a_killed_servers_folder_is_removed_when_its_snakemake_ends(tmp_path):
    """Killed, the server cannot remove its socket's folder: the process that started it does
    as it exits."""
    started = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, signal, pathlib; from powerhungry import forkserver as f; "
            f"server = f.start_server(pathlib.Path({str(tmp_path / 'server.log')!r})); "
            "os.kill(server.pid, signal.SIGKILL); server.wait(); "
            "print(os.environ[f.SERVER_VARIABLE])",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != SERVER_VARIABLE},
    )
    assert started.returncode == 0, started.stderr
    path = Path(started.stdout.strip())
    assert path.name == "socket" and path.parent.name.startswith("powerhungry-forkserver-")
    assert not path.parent.exists()


def test_a_request_carries_what_the_child_must_match():
    request = request_for(MEASURE, {"job": 1}, None)
    assert (request.function, request.args) == (MEASURE, ({"job": 1}, None))
    assert request.environment == dict(os.environ)
    assert request.cwd == os.getcwd()
    assert request.sys_path == sys.path
    assert request.executable == sys.executable
    assert request.package.endswith("powerhungry/__init__.py")


SET_UP = """
import socket
from powerhungry.forkserver import _Server, request_for
server = _Server(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
print("REFUSAL:", server.refusal(request_for("powerhungry.measure.job:measure_here", None, None)))
"""


@pytest.mark.slow
@pytest.mark.parametrize("gpus", [0, 2])
def test_the_server_sets_up_on_a_machine_without_gpus_and_refuses_on_one_with(standin_gpus, gpus):
    """Its first job's set-up, for real: the imports and CodeCarbon's hardware detection; with
    (stand-in) NVIDIA GPUs CodeCarbon starts NVML on import, and every job is refused."""
    environment = (
        standin_nvml.environment(standin_gpus, gpus=gpus, cuda_visible_devices=None)
        if gpus
        else dict(os.environ)  # this machine: no NVML library at all
    )
    result = subprocess.run(
        [sys.executable, "-c", SET_UP],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    expected = "REFUSAL: a GPU machine" if gpus else "REFUSAL: None"
    assert expected in result.stdout, result.stdout + result.stderr[-3000:]
