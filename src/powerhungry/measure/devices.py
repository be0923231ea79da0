"""The torch side of a measurement: which device a job runs on, which of its GPUs the meter
counts, and how to wait for the work queued on it."""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial

import torch

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


def resolve_device(name: str) -> torch.device:
    """The device of protocol.device ("auto", "cpu", "cuda", "cuda:N"); raises RuntimeError
    for "cuda" in a job that sees no CUDA device."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("protocol.device is 'cuda' but no CUDA device is visible to this job")
    return torch.device(name)


class UnsupportedDtypeError(RuntimeError):
    """The job's device cannot compute in the cell's dtype: the cell's result, recorded as
    missing with this reason (powerhungry.measure.cell.MODEL_FAILURES)."""


def check_dtype(device: torch.device, dtype: str) -> None:
    """Raise UnsupportedDtypeError for a dtype the device cannot run: float16 on the CPU,
    bfloat16 on a GPU older than NVIDIA Ampere (torch.cuda.is_bf16_supported), naming the
    settings to change."""
    if device.type == "cpu" and dtype == "float16":
        raise UnsupportedDtypeError(
            "dtype float16 is not supported on the CPU, and this job has no GPU "
            "(protocol.device auto found none); use float32 or bfloat16, or run on a GPU node"
        )
    if device.type == "cuda" and dtype == "bfloat16" and not torch.cuda.is_bf16_supported():
        raise UnsupportedDtypeError(
            f"dtype bfloat16 is not supported by this job's GPU "
            f"({torch.cuda.get_device_name(device)}; NVIDIA Ampere or newer computes in it): "
            "measure the scenario on such a GPU, or use float16"
        )


def tracked_gpu_ids(device: torch.device) -> list[str]:
    """The GPUs the meter must count, as NVML indices (CodeCarbon's `gpu_ids`): exactly the one
    this job computes on, never the machine's others; none ([]) on the CPU.

    CUDA numbers the GPUs a process sees from 0; CUDA_VISIBLE_DEVICES (set by SLURM, by
    `powerhungry.measure.gpus.measurement_gpu` and by most launchers) says which of the machine's
    they are, by index or UUID, and CUDA_DEVICE_ORDER=PCI_BUS_ID (`measurement_gpu`) makes CUDA's
    indices NVML's. Without it, the job's CUDA index is the NVML one. A UUID is looked up here:
    CodeCarbon 3.3 strips the characters of "MIG-" from its left ("GPU-..." becomes "PU-...")
    and so never finds one. Raises RuntimeError for an entry no GPU of the machine has.
    """
    if device.type != "cuda":
        return []
    index = torch.cuda.current_device() if device.index is None else device.index
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is None:
        return [str(index)]
    entry = [gpu.strip() for gpu in visible.split(",") if gpu.strip()][index]
    return [entry if entry.isdigit() else nvml_index(entry)]


def nvml_index(uuid: str) -> str:
    """The NVML index of the GPU whose UUID starts with `uuid` ("GPU-..." or "MIG-GPU-...", as
    CUDA_VISIBLE_DEVICES may name it); RuntimeError if none does."""
    import pynvml

    pynvml.nvmlInit()
    wanted = uuid.removeprefix("MIG-")
    for index in range(pynvml.nvmlDeviceGetCount()):
        if pynvml.nvmlDeviceGetUUID(pynvml.nvmlDeviceGetHandleByIndex(index)).startswith(wanted):
            return str(index)
    raise RuntimeError(
        f"CUDA_VISIBLE_DEVICES names {uuid!r}, which no GPU of this machine has "
        "(`nvidia-smi -L` lists their UUIDs): its energy cannot be counted"
    )


def synchronize(device: torch.device) -> None:
    """Wait for the kernels queued on `device`, so they fall inside the window that launched
    them (CUDA runs asynchronously; the CPU needs no wait)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def synchronizer(device: torch.device) -> Callable[[], None]:
    """`synchronize` bound to `device`: the `synchronize` argument of an EnergyMeter."""
    return partial(synchronize, device)
