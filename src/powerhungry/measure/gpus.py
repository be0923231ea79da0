"""One GPU, one measurement.

Locally, `--resources gpu=N` lets Snakemake start up to N measurement jobs at once, but it does not
tell a job which GPU is its own: every job would pick GPU 0 and their energies would mix. So each
measurement job leases a GPU before CUDA starts: an exclusive lock on a per-GPU file, held for the
whole job, and CUDA_VISIBLE_DEVICES narrowed to that GPU, which is then the one CodeCarbon reads
and the provenance records. Under SLURM the scheduler has already given the job its own GPU(s).

On the CPU, CodeCarbon measures the whole machine's CPU and RAM, so the measured windows of two
jobs must never overlap: a CPU measurement holds the `cpu` lease around its repetitions only
(`measuring_alone`), so that the next job's start-up (imports, model code) can run meanwhile.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path

LEASES = Path(tempfile.gettempdir()) / "powerhungry-gpu-leases"
WAIT_S = 24 * 3600  # a job waits for a GPU as long as a queue would


class GpuLeaseTimeout(TimeoutError):
    """No GPU became free in time."""


@contextmanager
def gpu_lease(
    candidates: Sequence[str], leases: Path = LEASES, wait_s: float = WAIT_S
) -> Iterator[str]:
    """Hold an exclusive lock on the first free GPU of `candidates` (or on "cpu"); yield its
    id. The lock is the kernel's (flock): a killed job releases it with its process."""
    leases.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        for gpu in candidates:
            handle = open(leases / f"gpu-{gpu}.lock", "w")  # noqa: SIM115 (held while leased)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                handle.write(f"{os.getpid()}\n")
                handle.flush()
                yield gpu
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() > deadline:
            raise GpuLeaseTimeout(f"no free GPU among {list(candidates)} after {wait_s:.0f} s")
        time.sleep(0.5)


def measuring_alone(device_type: str, leases: Path = LEASES) -> AbstractContextManager[object]:
    """What a job holds while its windows measure: on the CPU ("cpu"), the machine-wide `cpu`
    lease (one CPU measurement at a time); a GPU job already holds its GPU (`measurement_gpu`,
    or SLURM's allocation), so nothing more."""
    return gpu_lease(["cpu"], leases) if device_type == "cpu" else nullcontext()


def visible_gpus() -> list[str]:
    """The GPUs this process may use, as CUDA_VISIBLE_DEVICES entries; counted without starting
    CUDA, so that CUDA_VISIBLE_DEVICES can still be narrowed."""
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [gpu for gpu in listed.split(",") if gpu.strip()]
    import torch

    return [str(index) for index in range(torch.cuda.device_count())]


@contextmanager
def own_gpu(candidates: Sequence[str], leases: Path = LEASES) -> Iterator[str]:
    """Lease one of `candidates` and make it the only GPU this process sees."""
    with gpu_lease(candidates, leases) as gpu:
        print(f"measuring on GPU {gpu} (leased: no other measurement uses it meanwhile)")
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
        yield gpu


def measurement_gpu(device: str) -> AbstractContextManager[object]:
    """The GPU lease of a measurement job: none on the CPU, none under SLURM (the job's GPUs are
    its own), otherwise one of the visible GPUs. Sets CUDA_DEVICE_ORDER=PCI_BUS_ID unless set."""
    # CUDA's indices are then NVML's (and nvidia-smi's), which the meter counts by
    # (`devices.tracked_gpu_ids`); CUDA's default orders the fastest GPU first.
    os.environ.setdefault("CUDA_DEVICE_ORDER", "PCI_BUS_ID")
    if device == "cpu" or os.environ.get("SLURM_JOB_ID"):
        return nullcontext()
    candidates = visible_gpus()
    if not candidates:
        return nullcontext()  # no GPU at all: device checks report it, naming the setting
    return own_gpu(candidates)
