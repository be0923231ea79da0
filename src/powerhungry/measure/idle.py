"""The idle baseline of a measurement job: its own GPU's power with nothing running, measured
at the start of the job, before the model is loaded (close in time to the cell, on the same
board), and the GPU energy above it, so that a slow model on an idle GPU is not counted as
work."""

from __future__ import annotations

import socket
import time

import torch

from powerhungry.measure.devices import tracked_gpu_ids
from powerhungry.measure.gpus import measuring_alone
from powerhungry.measure.meter import EnergyMeter, PhaseResult
from powerhungry.units import JOULES_PER_KWH


def measure_idle_power(
    seconds: float, device: torch.device, carbon_intensity: str | float
) -> dict[str, str | int | float | None]:
    """One row: the job's GPU's mean power (W per GPU; None on the CPU: not measured) while
    nothing runs for `seconds`, with the CPU's and RAM's power (W) over the same window, as
    CodeCarbon measured them. Nothing is queued on the GPU, so the window needs no
    synchronisation."""
    meter = EnergyMeter(
        project_name="idle-power",
        carbon_intensity=carbon_intensity,
        measure_power_secs=1,
        gpu_ids=tracked_gpu_ids(device),
    )
    with measuring_alone(device.type), meter, meter.window("idle"):
        time.sleep(seconds)
    (idle,) = meter.results
    per_gpu = (
        None
        if idle.gpu_energy_kwh is None
        else idle.gpu_energy_kwh * JOULES_PER_KWH / idle.duration_s / idle.codecarbon_gpu_count
    )
    return {
        "hostname": socket.gethostname(),
        "gpu_model": idle.codecarbon_gpu_model,
        "gpu_count": idle.codecarbon_gpu_count,
        "duration_s": idle.duration_s,
        "gpu_idle_power_w": per_gpu,
        "cpu_power_w": idle.cpu_energy_kwh * JOULES_PER_KWH / idle.duration_s,
        "ram_power_w": idle.ram_energy_kwh * JOULES_PER_KWH / idle.duration_s,
    }


def job_idle_baseline(
    seconds: float, device: torch.device, carbon_intensity: str | float
) -> dict[str, float | None]:
    """A measurement job's baseline, the columns its rows carry: `gpu_idle_power_w` (W per
    GPU) over `idle_duration_s` (s); both None (not measured) on the CPU or for `seconds` 0."""
    if device.type != "cuda" or seconds <= 0:
        return {"gpu_idle_power_w": None, "idle_duration_s": None}
    row = measure_idle_power(seconds, device, carbon_intensity)
    return {"gpu_idle_power_w": row["gpu_idle_power_w"], "idle_duration_s": row["duration_s"]}


def above_idle_kwh(window: PhaseResult, idle_power_w: float | None) -> float | None:
    """The window's GPU energy above the idle baseline (kWh): gpu_energy_kwh - idle W x GPUs
    counted x duration s / 3.6e6 (J per kWh); None where either is not measured. Negative
    where the GPU drew less than its baseline (noise, or a baseline taken in a higher power
    state): kept, and flagged by the summaries, never clipped to zero."""
    if window.gpu_energy_kwh is None or idle_power_w is None:
        return None
    idle_j = idle_power_w * window.codecarbon_gpu_count * window.duration_s
    return window.gpu_energy_kwh - idle_j / JOULES_PER_KWH
