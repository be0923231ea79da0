"""Idle power of the GPU(s) a job is given: the baseline that the idle-adjusted metric removes
(`powerhungry.analysis.idle`), so that a slow model on an idle GPU is not counted as work."""

from __future__ import annotations

import socket
import time

import torch

from powerhungry.measure.devices import synchronizer, tracked_gpu_ids
from powerhungry.measure.gpus import measuring_alone
from powerhungry.measure.meter import EnergyMeter
from powerhungry.units import JOULES_PER_KWH


def measure_idle_power(
    seconds: float, device: torch.device, carbon_intensity: str | float
) -> dict[str, str | int | float]:
    """One row: the job's GPU's mean power (W per GPU; None on the CPU: not measured) while
    nothing runs for `seconds`, with the CPU's and RAM's power (W) over the same window, as
    CodeCarbon measured them."""
    meter = EnergyMeter(
        project_name="idle-power",
        carbon_intensity=carbon_intensity,
        measure_power_secs=1,
        gpu_ids=tracked_gpu_ids(device),
        synchronize=synchronizer(device),
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
