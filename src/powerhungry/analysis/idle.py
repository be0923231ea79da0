"""The idle-adjusted GPU energy: each row's GPU energy above its GPUs' measured idle power
(rule measure_idle_power, `powerhungry.measure.idle`)."""

from __future__ import annotations

import pandas as pd

from powerhungry.units import JOULES_PER_KWH


def subtract_idle(measurements: pd.DataFrame, idle: pd.DataFrame) -> pd.DataFrame:
    """Add the idle power of each row's GPU model (W per GPU) and the GPU energy above it (kWh:
    gpu_energy_kwh - idle W x GPUs x duration s / 3.6e6).

    Rows whose GPU model has no idle measurement get NaN: no idle power is ever assumed.
    """
    per_model = idle.groupby(idle["gpu_model"].fillna(""))["gpu_idle_power_w"].mean()
    power = measurements["codecarbon_gpu_model"].fillna("").map(per_model)
    idle_kwh = power * measurements["codecarbon_gpu_count"] * measurements["duration_s"]
    return measurements.assign(
        gpu_idle_power_w=power,
        gpu_energy_above_idle_kwh=measurements["gpu_energy_kwh"] - idle_kwh / JOULES_PER_KWH,
    )
