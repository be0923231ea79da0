"""The fork server of a local run's jobs: measurements and tiny models' builds (torch,
transformers, CodeCarbon), tables, figures and the explorer (pandas, matplotlib), their imports
paid once, each job still run in a process of its own.

On the CPU demo a measurement job spent ~4.5 of its ~6.7 s importing torch, transformers and
CodeCarbon (`python -X importtime`, 2-core CI machine) and ~1.5 s in CodeCarbon's hardware
detection (py-cpuinfo's clock measurement), the same in every job; a tiny model's build spent
~3 of its ~3.4 s importing. For a local run (Snakemake's local executor, Linux, no NVIDIA or AMD
GPU seen by CodeCarbon) the workflow starts this server (`onstart`). The first measurement job
hands it its environment, working directory and `sys.path`; in exactly those the server imports
what a measurement job imports (`powerhungry.measure.job.import_setup`, offline) and lets
CodeCarbon detect the hardware into its own process-level cache (`cell.warm_up_meter`), once.
A build that comes before it runs in its own process: Snakemake sets per-job variables (threads,
tmpdir) that may differ between rules, and the measurements must be served. Each job then
asks the server to run one function of `powerhungry` (named, with its arguments) in a child
(`os.fork`), which reports its exit status; the job's own process (the one Snakemake started)
waits for it and ends with it. The server imports the function's module before it forks (a
figure's module imports matplotlib), so that every later job of that module inherits it.

What stays as it was: one job per process (the child), a measurement's own CodeCarbon trackers
(and its own warm-up meter before measuring), the CPU measurement lease, the job's log (passed
to the child, SCM_RIGHTS: its output, and the libraries' log handlers made in the server, write
there), its offline switches (the server is offline: a job that downloads is never sent). A job
whose environment, Python or `powerhungry` differs from the first measurement job's is refused
and run in its own process as before (its log says why). A child whose job process is killed is
interrupted as by Ctrl-C, then killed. GPU machines are never served: CodeCarbon starts NVML
when imported, and neither NVML nor CUDA is known to be safe in a child forked after that. Only
this user can reach the server (its socket's folder is 0700): it unpickles what it is sent.

Errors: `ForkedJobError` when a served child fails (the traceback is in the job's log).
"""

from __future__ import annotations

import atexit
import os
import pickle
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The job processes find the server through this variable, set in Snakemake's process (onstart).
SERVER_VARIABLE = "POWERHUNGRY_FORKSERVER"
# Set by the shell that ran the job (its last command), so never the same in two processes.
IGNORED_VARIABLES = frozenset({"_"})
# The first line of a served job's log; of one that was not, followed by why.
FORKED_NOTICE = "run in a child of the fork server"
OWN_PROCESS_NOTICE = "run in the job's own process"
_LENGTH = struct.Struct("!I")
STARTUP_S = 10  # s, for the server to listen (it imports only the standard library first)
# The server's log, in the workflow's folder (the run's onstart starts it there).
SERVER_LOG = Path("logs/forkserver.log")
KILL_AFTER_S = 10  # s, for a child whose job was killed to clean up after its interruption
SOCKET_PATH_MAX = 100  # bytes: Linux's sun_path holds 108, with its terminating zero


class ForkedJobError(RuntimeError):
    """The fork server's child running this job failed or was killed."""


@dataclass(frozen=True)
class Request:
    """What a job sends: the function the child runs ("module:name", a module of
    `powerhungry`), its arguments, and what the child must match or take over from the job's
    process."""

    function: str
    args: tuple[Any, ...]
    sets_up: bool  # whether the server may set up in this job's environment
    environment: dict[str, str]
    cwd: str
    sys_path: list[str]
    executable: str
    package: str


def _send(connection: socket.socket, payload: object, fds: list[int] | None = None) -> None:
    data = pickle.dumps(payload)
    message = _LENGTH.pack(len(data)) + data
    if fds:
        socket.send_fds(connection, [message], fds)
    else:
        connection.sendall(message)


def _receive(connection: socket.socket, maxfds: int = 0) -> tuple[Any, list[int]]:
    """One length-prefixed pickle and the file descriptors sent with it; EOFError when the
    other side closed."""
    buffer, fds = b"", []
    if maxfds:
        buffer, fds, _flags, _address = socket.recv_fds(connection, 1 << 16, maxfds)
    while len(buffer) < _LENGTH.size or len(buffer) < _LENGTH.size + _length(buffer):
        chunk = connection.recv(1 << 16)
        if not chunk:
            raise EOFError("the other side closed the connection")
        buffer += chunk
    return pickle.loads(buffer[_LENGTH.size :]), fds


def _length(buffer: bytes) -> int:
    return int(_LENGTH.unpack(buffer[: _LENGTH.size])[0])


def request_for(function: str, *args: Any, sets_up: bool = True) -> Request:
    """This process's request to have `function(*args)` run in a forked child (`sets_up`:
    whether the server may set up in this process's environment if it is not yet)."""
    import powerhungry

    return Request(
        function=function,
        args=args,
        sets_up=sets_up,
        environment=dict(os.environ),
        cwd=os.getcwd(),
        sys_path=list(sys.path),
        executable=sys.executable,
        package=str(Path(powerhungry.__file__).resolve()),
    )


def run_job(function: str, *args: Any, sets_up: bool = True) -> None:
    """Run `function(*args)` ("module:name", a module of `powerhungry`) in a child of the
    run's fork server where one serves this job, else in this process; the job's log (this
    process's `sys.stdout`) begins with which, and why not. `sets_up`: whether the server may
    set up in this job's environment (False: served only once a job that may has set it up).
    Raises what the function raises, or ForkedJobError when the server's child failed."""
    why_not = run_in_forked_child(function, *args, sets_up=sets_up)
    if why_not is not None:
        print(f"{OWN_PROCESS_NOTICE}: {why_not}")
        named(function)(*args)


def named(function: str) -> Any:
    """The function "module:name" names."""
    from importlib import import_module

    module, name = function.split(":")
    return getattr(import_module(module), name)


def run_in_forked_child(function: str, *args: Any, sets_up: bool = True) -> str | None:
    """Have the local run's fork server run `function(*args)` ("module:name", a module of
    `powerhungry`; the arguments pickled) in a child; return None when served (the child
    succeeded), or why not, for the job to run it in its own process (no server in this run,
    unreachable, or it refused: not set up yet and `sets_up` False, another environment, Python
    or package, a GPU machine, a function it could not import). The job's log (this process's
    `sys.stdout`, as `logs.log_to` set it) is the child's; this process's Python streams are
    flushed first. Raises ForkedJobError when the child failed or ended without an exit status."""
    path = os.environ.get(SERVER_VARIABLE)
    if not path:
        return (
            "no fork server in this run (it serves runs on Snakemake's local executor only: this "
            "is a cluster job, a local job of a run on a cluster, or a run started before it "
            "existed)"
        )
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except OSError as error:
        connection.close()
        return (
            f"the fork server at {path} cannot be reached ({error}; the server's log: {SERVER_LOG})"
        )
    with connection:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            fds = [sys.stdout.fileno()]  # the job's log (`logs.log_to`)
        except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
            return "this job's output is not a file the fork server's child could write to"
        _send(connection, request_for(function, *args, sets_up=sets_up), fds)
        try:
            kind, value = _receive(connection)[0]
            if kind == "refused":
                return str(value)
            # "forked": the child's pid; then its exit status and error once it ends.
            _kind, status, error = _receive(connection)[0]
        except EOFError:
            raise ForkedJobError(
                "the fork server's child running this job ended without an exit status "
                "(killed?); see the lines above in this log"
            ) from None
    if status != 0:
        raise ForkedJobError(
            f"the fork server's child running this job exited with status {status} (its "
            f"traceback is above in this log): {error}"
        )
    return None


class _Server:
    """The server's state: the environment of the first job that may set it up (a measurement
    job), once its imports are done."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.reference: Request | None = None
        self.broken: str | None = None

    def refusal(self, request: Request) -> str | None:
        """Why this request cannot be served (None if it can). Not a pure check: the first
        request that may set up the server does, and a request it can serve has its function's
        module imported here, in the server, once (every later child inherits it)."""
        if not request.function.startswith("powerhungry."):
            return f"{request.function} is not a function of powerhungry"
        if self.reference is None:
            if not request.sets_up:
                return (
                    "the fork server is not set up yet: it sets up in the first measurement "
                    "job's environment"
                )
            self.reference = request
            self.broken = self._set_up(request)
        if self.broken:
            return self.broken
        reference = self.reference
        if request.executable != reference.executable:
            return f"another Python ({request.executable}, the server's: {reference.executable})"
        if request.package != reference.package:
            return f"another powerhungry ({request.package}, the server's: {reference.package})"
        names = set(request.environment) | set(reference.environment)
        differing = sorted(
            name
            for name in names - IGNORED_VARIABLES
            if request.environment.get(name) != reference.environment.get(name)
        )
        if differing:
            return (
                "its environment differs from the one the fork server imported in, in "
                + ", ".join(differing)
            )
        if request.cwd != reference.cwd or request.sys_path != reference.sys_path:
            return "another working directory or sys.path than the fork server's"
        try:  # the function's module, imported here once: every later child inherits it
            named(request.function)
        except Exception as error:
            return f"the fork server could not import {request.function} ({error!r})"
        return None

    def _set_up(self, request: Request) -> str | None:
        """Take over the first job's environment and import what a measurement job imports;
        return why this server cannot serve (None if it can)."""
        os.environ.clear()
        os.environ.update(request.environment)
        os.chdir(request.cwd)
        sys.path[:] = request.sys_path
        if sys.executable != request.executable:
            return f"the fork server runs another Python ({sys.executable})"
        try:
            from powerhungry.measure.job import import_setup
            from powerhungry.offline import offline_job

            offline_job()
            from codecarbon.core import gpu  # first: on a GPU machine, nothing more is paid

            if gpu.PYNVML_AVAILABLE or gpu.AMDSMI_AVAILABLE:
                return (
                    "a GPU machine: CodeCarbon started NVML or AMD SMI on import, which is not "
                    "known to be safe in a forked child"
                )
            import_setup()
            import torch

            from powerhungry.measure.cell import warm_up_meter
            from powerhungry.measure.meter import EnergyMeter

            # CodeCarbon's hardware detection (~1.5 s: py-cpuinfo's clock measurement), kept in
            # its process-level cache (codecarbon.core.hardware_cache), which the children
            # inherit; each child still starts and stops its own warm-up meter before measuring.
            warm_up_meter(EnergyMeter, torch.device("cpu"))
        except Exception as error:
            return f"the fork server could not set up as a measurement job does ({error!r})"
        return None

    def serve(self, parent: int) -> None:
        """Answer requests until the Snakemake process that started the server is gone."""
        self.listener.settimeout(1.0)
        while os.getppid() == parent:
            _reap_children()
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            connection.settimeout(None)
            try:
                request, fds = _receive(connection, maxfds=1)
            except (EOFError, OSError, pickle.UnpicklingError):
                connection.close()
                continue
            refusal = self.refusal(request)
            if refusal:
                with suppress(OSError):  # the job may be gone already
                    _send(connection, ("refused", refusal))
            elif os.fork() == 0:
                self.listener.close()
                _run_child(connection, request, fds)  # never returns
            for fd in fds:
                os.close(fd)
            connection.close()


def _reap_children() -> None:
    """Collect the exit statuses of the children that ended (their jobs have them already).
    Not by ignoring SIGCHLD: the server's own subprocesses (py-cpuinfo's, while CodeCarbon
    detects the hardware) wait for theirs, which would then never be seen to end."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:  # no children left
        pass


def _run_child(connection: socket.socket, request: Request, fds: list[int]) -> None:
    """In the forked child: take over the job's streams and environment, run the job's
    function, report the exit status, exit."""
    status, error = 1, ""
    try:
        # As in a fresh Python process: SIGINT raises KeyboardInterrupt, SIGTERM ends it.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        # The libraries' log handlers were made in the server, on its standard streams: those
        # now write to the job's log, as they would have in the job's own process.
        (log_fd,) = fds
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        os.environ.clear()
        os.environ.update(request.environment)
        # A fresh process draws these seeds from the OS; the server's children would share one.
        random.seed()
        import numpy

        numpy.random.seed()
        _send(connection, ("forked", os.getpid()))
        threading.Thread(target=_die_with_the_job, args=(connection,), daemon=True).start()
        from powerhungry.logs import logging_to

        with open(log_fd, "w", buffering=1, closefd=True) as log, logging_to(log):
            print(f"{FORKED_NOTICE} (pid {os.getpid()})")
            named(request.function)(*request.args)
        status = 0
    except BaseException as failure:  # reported to the job; the traceback is in its log
        error = "".join(traceback.format_exception_only(failure)).strip()
    finally:
        try:
            _send(connection, ("exited", status, error))
        finally:
            os._exit(status)


def _die_with_the_job(connection: socket.socket) -> None:
    """The job's process closed the connection (it was killed): interrupt this child as Ctrl-C
    would (its `finally` blocks clean up: the scratch folder, the lease), then kill it if it
    has not ended within KILL_AFTER_S."""
    try:
        connection.recv(1)
    finally:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(KILL_AFTER_S)
        os.kill(os.getpid(), signal.SIGKILL)


def start_server(log: Path = SERVER_LOG) -> subprocess.Popen[bytes]:
    """Start the fork server for this Snakemake process's local jobs, writing to `log`; set
    SERVER_VARIABLE here so that the jobs started from now on find it. The server ends when
    this process does; its socket's folder is removed by then, even if the server was killed."""
    # A folder only this user can enter: nobody else may hand the server a job. Under /tmp
    # where the temp folder's path is too long for a Unix socket's (108 bytes on Linux).
    short = len(tempfile.gettempdir()) <= SOCKET_PATH_MAX - len("/powerhungry-forkserver-X/socket")
    directory = tempfile.mkdtemp(prefix="powerhungry-forkserver-", dir=None if short else "/tmp")
    path = str(Path(directory) / "socket")
    # The server removes the folder as it ends; this process does if the server was killed.
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "powerhungry.forkserver", path, str(os.getpid())],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + STARTUP_S
    while not Path(path).exists() and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    # Set even if it failed to start: its jobs then say it cannot be reached, and run in their
    # own processes, as without it.
    os.environ[SERVER_VARIABLE] = path
    if not Path(path).exists():
        print(f"the fork server did not start (see {log}): jobs start their own processes")
    return server


def main(path: str, parent: int) -> None:
    """Serve on the Unix socket `path` until process `parent` (the run's Snakemake) is gone."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # ended as below, folder removed
    print(f"fork server for the run's jobs at {path}, pid {os.getpid()}", flush=True)
    try:
        _Server(listener).serve(parent)
    finally:
        listener.close()
        shutil.rmtree(Path(path).parent, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
