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


def check_dtype(device: torch.device, dtype: str) -> None:
    """Raise RuntimeError for a dtype the device cannot run (float16 on the CPU), naming the
    settings to change."""
    if device.type == "cpu" and dtype == "float16":
        raise RuntimeError(
            "protocol.dtype float16 is not supported on the CPU, and this job has no GPU "
            "(protocol.device auto found none); use float32 or bfloat16, or run on a GPU node"
        )


def tracked_gpu_ids(device: torch.device) -> list[int] | None:
    """The GPUs the meter must count: the ones this job was given, never the whole node.

    With CUDA_VISIBLE_DEVICES set (SLURM and most launchers set it), CodeCarbon reads it itself
    (None); without it, the job runs on the current CUDA device, and only that one is counted.
    """
    if device.type != "cuda" or os.environ.get("CUDA_VISIBLE_DEVICES"):
        return None
    return [torch.cuda.current_device() if device.index is None else device.index]


def synchronize(device: torch.device) -> None:
    """Wait for the kernels queued on `device`, so they fall inside the window that launched
    them (CUDA runs asynchronously; the CPU needs no wait)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def synchronizer(device: torch.device) -> Callable[[], None]:
    """`synchronize` bound to `device`: the `synchronize` argument of an EnergyMeter."""
    return partial(synchronize, device)
