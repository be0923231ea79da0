"""What was measured, on what, with which software: recorded on every result row."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


PACKAGES = ("torch", "transformers", "diffusers", "datasets", "codecarbon")


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def gpu_description(device: torch.device) -> tuple[str, int, str]:
    """(model name, count, driver) of the GPUs visible to this job."""
    if device.type != "cuda":
        return "", 0, ""
    import torch

    count = torch.cuda.device_count()
    names = sorted({torch.cuda.get_device_name(i) for i in range(count)})
    try:
        import pynvml

        pynvml.nvmlInit()
        driver = str(pynvml.nvmlSystemGetDriverVersion())
    except Exception:  # NVML missing or unusable: the driver stays unknown, never guessed
        driver = "unknown"
    return " + ".join(names), count, driver


def cuda_version() -> str:
    """The CUDA version torch was built with, or "none" for a build without CUDA: never empty,
    so that an empty field in a table means rows recorded before this column existed."""
    import torch

    return torch.version.cuda or "none"


def gpu_energy_source(device: torch.device) -> str:
    """How CodeCarbon can read the job's GPU energy: the board's energy counter (exact), or, on
    GPUs without one (before Volta), NVML power samples integrated over time (an estimate)."""
    if device.type != "cuda":
        return ""
    from powerhungry.measure.devices import tracked_gpu_ids

    try:
        import pynvml

        pynvml.nvmlInit()
        for index in tracked_gpu_ids(device):
            handle = pynvml.nvmlDeviceGetHandleByIndex(int(index))
            pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    except ImportError:
        return "unknown"
    except Exception:  # NVMLError_NotSupported and kin: no counter on this board
        return "power_sampling"
    return "energy_counter"


# The manifest of an unpacked reproducibility artifact (powerhungry.artifact), at its root.
ARTIFACT_MANIFEST = "ARTIFACT.json"


def workflow_commit(directory: Path) -> str:
    """Git commit of the workflow checkout, with '-dirty' when it has uncommitted changes; in an
    unpacked artifact (no git), the commit it was made from with '-artifact'; else "unknown"."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(directory), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        artifact = directory / ARTIFACT_MANIFEST
        if artifact.is_file():
            return f"{json.loads(artifact.read_text())['workflow_commit']}-artifact"
        return "unknown"
    return f"{commit}-dirty" if dirty else commit


def collect(device: torch.device, workflow_dir: Path) -> dict[str, str | int]:
    gpu_model, gpu_count, driver = gpu_description(device)
    record: dict[str, str | int] = {
        "device": device.type,
        "gpu_model": gpu_model,
        "gpu_count": gpu_count,
        "gpu_driver": driver,
        "cuda_version": cuda_version(),
        "gpu_energy_source": gpu_energy_source(device),
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES", ""),
        "cpu_model": cpu_model(),
        "hostname": socket.gethostname(),
        "slurm_job_id": os.environ.get("SLURM_JOB_ID", ""),
        "python_version": platform.python_version(),
        "workflow_commit": workflow_commit(workflow_dir),
    }
    for name in PACKAGES:
        record[f"{name}_version"] = package_version(name)
    record["python_executable"] = sys.executable
    return record
