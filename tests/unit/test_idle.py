"""Idle power: measured with a real tracker, and subtracted only where it was measured."""

import math

import pandas as pd
import pytest
import torch

from powerhungry.analysis.idle import subtract_idle
from powerhungry.analysis.summary import task_summary
from powerhungry.measure.idle import measure_idle_power


def test_idle_power_on_a_machine_without_gpu_is_not_measured():
    row = measure_idle_power(0.3, torch.device("cpu"), "USA")
    assert 0.29 <= row["duration_s"] < 1.5  # the window covers the idle time (generous on load)
    assert (row["gpu_count"], row["gpu_idle_power_w"]) == (0, None)  # empty, never 0
    assert row["cpu_power_w"] > 0 and row["hostname"]


def test_idle_energy_is_subtracted_by_gpu_model_and_count():
    idle = pd.DataFrame({"gpu_model": ["NVIDIA H200"], "gpu_idle_power_w": [78.0]})
    rows = pd.DataFrame(
        {
            "codecarbon_gpu_model": ["NVIDIA H200", "NVIDIA A100", None],
            "codecarbon_gpu_count": [2, 1, 0],
            "duration_s": [100.0, 100.0, 10.0],
            "gpu_energy_kwh": [0.01, 0.01, math.nan],
        }
    )
    adjusted = subtract_idle(rows, idle)
    # 0.01 kWh - 78 W x 2 GPUs x 100 s = 0.01 - 15,600 J / 3.6e6
    assert adjusted["gpu_energy_above_idle_kwh"][0] == pytest.approx(0.01 - 15600 / 3.6e6)
    assert math.isnan(adjusted["gpu_energy_above_idle_kwh"][1])  # no idle power for an A100
    assert math.isnan(adjusted["gpu_idle_power_w"][2])  # nor for "no GPU" unless measured
    cpu_idle = pd.DataFrame({"gpu_model": [""], "gpu_idle_power_w": [math.nan]})  # CPU job
    assert math.isnan(subtract_idle(rows, cpu_idle)["gpu_energy_above_idle_kwh"][2])


def test_summary_reports_all_three_energy_metrics():
    rows = pd.DataFrame(
        {
            "task": ["t"] * 2,
            "model": ["m"] * 2,
            "model_kind": ["task_specific"] * 2,
            "dataset": ["d"] * 2,
            "phase": ["query"] * 2,
            "n_inferences": [1000] * 2,
            "energy_kwh": [0.03, 0.05],
            "gpu_energy_kwh": [0.02, 0.04],
            "gpu_energy_above_idle_kwh": [0.01, 0.02],
            "emissions_kg": [0.001, 0.002],
        }
    )
    summary = task_summary(rows).iloc[0]
    assert summary["energy_kwh_per_1k_mean"] == pytest.approx(0.04)
    assert summary["gpu_energy_kwh_per_1k_mean"] == pytest.approx(0.03)
    assert summary["gpu_energy_above_idle_kwh_per_1k_mean"] == pytest.approx(0.015)


def test_tasks_measured_on_gpus_without_an_energy_counter_are_flagged():
    rows = pd.DataFrame(
        {
            "task": ["a", "a", "b"],
            "model": ["m", "n", "m"],
            "model_kind": ["task_specific"] * 3,
            "dataset": ["d"] * 3,
            "phase": ["query"] * 3,
            "n_inferences": [1000] * 3,
            "energy_kwh": [0.01] * 3,
            "emissions_kg": [0.001] * 3,
            "gpu_energy_source": ["energy_counter", "power_sampling", "energy_counter"],
        }
    )
    flags = task_summary(rows).set_index("task")["gpu_energy_estimated"]
    assert flags.to_dict() == {"a": True, "b": False}
