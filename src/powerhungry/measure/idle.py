"""Idle power of the GPU(s) a job is given: the baseline that the idle-adjusted metric removes,
so that a slow model on an idle GPU is not counted as work."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pandas as pd
import torch

from powerhungry.measure.tracker import PhaseTracker

JOULES_PER_KWH = 3.6e6


def measure_idle_power(
    seconds: float, device: torch.device, carbon_intensity: str | float, scratch: Path
) -> pd.DataFrame:
    """One row: the tracked GPUs' mean power (W per GPU) while nothing runs for `seconds`."""
    with (
        PhaseTracker(scratch, "idle-power", carbon_intensity, 1, device) as tracker,
        tracker.phase("idle"),
    ):
        time.sleep(seconds)
    (idle,) = tracker.results
    per_gpu = (
        idle.gpu_energy_kwh * JOULES_PER_KWH / idle.duration_s / idle.codecarbon_gpu_count
        if idle.codecarbon_gpu_count
        else 0.0
    )
    return pd.DataFrame(
        [
            {
                "hostname": socket.gethostname(),
                "gpu_model": idle.codecarbon_gpu_model,
                "gpu_count": idle.codecarbon_gpu_count,
                "duration_s": idle.duration_s,
                "gpu_idle_power_w": per_gpu,
                "cpu_power_w": idle.cpu_energy_kwh * JOULES_PER_KWH / idle.duration_s,
                "ram_power_w": idle.ram_energy_kwh * JOULES_PER_KWH / idle.duration_s,
            }
        ]
    )


def subtract_idle(measurements: pd.DataFrame, idle: pd.DataFrame) -> pd.DataFrame:
    """Add the idle power of each row's GPU model and the GPU energy above it.

    Rows whose GPU model has no idle measurement get NaN: no idle power is ever assumed.
    """
    per_model = idle.groupby(idle["gpu_model"].fillna(""))["gpu_idle_power_w"].mean()
    power = measurements["codecarbon_gpu_model"].fillna("").map(per_model)
    idle_kwh = power * measurements["codecarbon_gpu_count"] * measurements["duration_s"]
    return measurements.assign(
        gpu_idle_power_w=power,
        gpu_energy_above_idle_kwh=measurements["gpu_energy_kwh"] - idle_kwh / JOULES_PER_KWH,
    )
