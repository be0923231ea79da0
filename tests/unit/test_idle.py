"""The idle baseline each measurement job takes of its own GPU, the GPU energy above it, and
the cells whose above-idle energy cannot be told from zero: flagged and counted, never a silent
negative. (On GPUs: tests/unit/test_gpu_attribution.py, on stand-in GPUs.)"""

import math

import pandas as pd
import pytest
import torch

from powerhungry.analysis.summary import cell_summary, task_summary
from powerhungry.measure.idle import above_idle_kwh, job_idle_baseline, measure_idle_power
from powerhungry.measure.meter import PhaseResult
from powerhungry.measure.shards import _merge_repetition


def test_idle_power_on_a_machine_without_gpu_is_not_measured():
    row = measure_idle_power(0.3, torch.device("cpu"), "USA")
    assert 0.29 <= row["duration_s"] < 1.5  # the window covers the idle time (generous on load)
    assert (row["gpu_count"], row["gpu_idle_power_w"]) == (0, None)  # empty, never 0
    assert row["cpu_power_w"] > 0 and row["hostname"]
    # A job on the CPU takes no baseline at all: it would measure nothing of a GPU.
    assert job_idle_baseline(30, torch.device("cpu"), "USA") == {
        "gpu_idle_power_w": None,
        "idle_duration_s": None,
    }


def window(gpu_kwh, gpus=1, seconds=100.0):
    return PhaseResult("query", seconds, 0.1, 0.05, gpu_kwh, 0.01, 0.001, "run", "cpu",
                       f"{gpus} x GPU" if gpus else "", gpus, "machine")  # fmt: skip


def test_energy_above_the_jobs_own_baseline():
    # 0.01 kWh - 78 W x 2 GPUs x 100 s = 0.01 - 15,600 J / 3.6e6 J/kWh
    assert above_idle_kwh(window(0.01, gpus=2), 78.0) == pytest.approx(0.01 - 15600 / 3.6e6)
    assert above_idle_kwh(window(0.001), 78.0) < 0  # below the baseline: kept, not clipped
    assert above_idle_kwh(window(None, gpus=0), 78.0) is None  # no GPU counted
    assert above_idle_kwh(window(0.01), None) is None  # no baseline taken


def test_a_split_repetition_keeps_each_shards_baseline():
    """Shard queries sum; the merged baseline is their duration-weighted mean, so that merged
    GPU energy minus it x duration is the sum of the shards' above-idle energies."""
    rows = [
        {"phase": phase, "sample_start": str(start), "duration_s": str(seconds),
         "energy_kwh": "0.1", "cpu_energy_kwh": "0.05", "gpu_energy_kwh": "0.04",
         "gpu_energy_above_idle_kwh": str(above), "ram_energy_kwh": "0.01",
         "emissions_kg": "0.001", "idle_duration_s": "30", "gpu_idle_power_w": str(idle),
         "n_inferences": "5", "ended_at": "t", "carbon_intensity_g_per_kwh": "10"}
        for phase in ("load", "query")
        for start, seconds, idle, above in ((0, 10.0, 100.0, 0.03), (5, 30.0, 200.0, 0.02))
    ]  # fmt: skip
    load, query = _merge_repetition(rows)
    assert float(query["gpu_idle_power_w"]) == pytest.approx((100 * 10 + 200 * 30) / 40)
    assert float(query["gpu_energy_above_idle_kwh"]) == pytest.approx(0.05)
    assert float(query["idle_duration_s"]) == 60 and load["gpu_idle_power_w"] == "100.0"


def cells(values_per_cell):
    """A measurement table: each cell's above-idle query energies (kWh per 1,000)."""
    return pd.DataFrame(
        [
            {"task": "t", "model_kind": "task_specific", "model": model, "dataset": "d",
             "phase": "query", "repetition": r, "n_inferences": 1000, "energy_kwh": 1.0,
             "emissions_kg": 0.1, "gpu_energy_kwh": 0.5, "gpu_energy_above_idle_kwh": value}
            for model, values in values_per_cell.items()
            for r, value in enumerate(values)
        ]
    )  # fmt: skip


def test_above_idle_energy_not_told_from_zero_is_flagged_and_counted():
    table = cells(
        {
            "clear": [0.30, 0.31, 0.29],
            "negative": [-0.02, -0.01, -0.03],
            "noisy": [0.10, -0.05, 0.02],
            "cpu": [math.nan] * 3,
        }
    )
    flags = cell_summary(table).set_index("model")["above_idle_flag"].to_dict()
    gpu = cell_summary(table).set_index("model")["gpu_energy_kwh_per_1k_mean"]
    assert gpu["clear"] == pytest.approx(0.5)
    assert flags == {"clear": "resolved", "negative": "negative", "noisy": "within_halfwidth",
                     "cpu": ""}  # fmt: skip
    summary = task_summary(table).iloc[0]
    assert summary["n_cells_above_idle_unresolved"] == 2


def test_gpu_energy_of_a_cell_measured_in_part_is_not_measured():
    """A cell whose GPU energy some repetition lacks has none: an empty field, never a mean of
    the others nor a 0."""
    table = cells({"part": [0.3, 0.3], "cpu": [math.nan] * 2})
    table.loc[(table["model"] == "part") & (table["repetition"] == 1), "gpu_energy_kwh"] = math.nan
    table.loc[table["model"] == "cpu", "gpu_energy_kwh"] = math.nan
    assert cell_summary(table)["gpu_energy_kwh_per_1k_mean"].isna().all()


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
