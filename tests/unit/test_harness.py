"""The harness benchmark's arithmetic (benchmarks/measurement_harness.py), on windows whose
times and energies are given: overhead, repeatability and attribution as the kit reports them."""

import importlib.util
import math
import sys

import pytest
import torch
from helpers import REPO

from powerhungry.scenarios import Scenario
from powerhungry.study import Cell, DatasetSpec, ModelSpec, Protocol

spec = importlib.util.spec_from_file_location(
    "measurement_harness", REPO / "benchmarks" / "measurement_harness.py"
)
harness = importlib.util.module_from_spec(spec)
sys.modules[spec.name] = harness  # its dataclasses look their module up there
spec.loader.exec_module(harness)
Window = harness.Window
KWH = harness.JOULES_PER_KWH

CELL = Cell(
    task="text_classification",
    model=ModelSpec(id="m", kind="task_specific", source="local"),
    dataset=DatasetSpec(id="d", task="text_classification", split="-", samples=1, fields={}),
    scenario=Scenario("default", Protocol(1, 1, 0, 1.0, "USA", "cpu", "float32")),
)


def test_on_a_gpu_every_figure_comes_from_its_own_reading():
    bare = [Window(10.0, 1000.0), Window(10.2, 1020.0), Window(9.8, 980.0)]
    # Measured: 1 % slower, 2 % more GPU energy on the NVML counter; CodeCarbon reads 0.5 % more
    # than the counter over the work in every window.
    nvml = [1020.0, 1040.4, 999.6]
    measured = [
        Window(
            10.1,
            j,
            codecarbon_kwh=2 * j / KWH,
            codecarbon_gpu_kwh=1.005 * 0.99 * j / KWH,
            codecarbon_s=10.0,
            nvml_inner_j=0.99 * j,  # the work alone, without the tracker's start and stop
        )
        for j in nvml
    ]
    row = harness.summarize_task(CELL, torch.device("cuda"), 100, bare, measured)
    assert row["overhead_time"] == pytest.approx(10.1 / 10.0 - 1)
    assert row["overhead_gpu_energy"] == pytest.approx(0.02)
    assert row["attribution_error_mean"] == pytest.approx(0.005)
    assert row["attribution_error_max"] == pytest.approx(0.005)
    gpu_kwh = [1.005 * 0.99 * j / KWH for j in nvml]
    mean = sum(gpu_kwh) / 3
    std = math.sqrt(sum((x - mean) ** 2 for x in gpu_kwh) / 2)
    assert row["repeatability_cv"] == pytest.approx(std / mean)  # GPU energy, not the total
    assert row["repeatability_energy"] == "codecarbon_gpu_kwh"
    assert row["query_kwh_per_1000"] == pytest.approx(mean / 100 * 1000)


def test_on_a_cpu_no_gpu_figure_is_made_up():
    bare = [Window(1.0, math.nan), Window(1.0, math.nan)]
    measured = [Window(1.1, math.nan, 1e-6, 0.0), Window(0.9, math.nan, 3e-6, 0.0)]
    row = harness.summarize_task(CELL, torch.device("cpu"), 10, bare, measured)
    assert row["overhead_time"] == pytest.approx(0.0)
    for name in ["overhead_gpu_energy", "attribution_error_mean", "attribution_error_max"]:
        assert math.isnan(row[name]), name
    assert row["repeatability_energy"] == "codecarbon_kwh (cpu+ram)"
    assert row["repeatability_cv"] == pytest.approx(math.sqrt(2e-12) / 2e-6)


def test_a_zero_or_missing_reference_gives_no_ratio():
    assert math.isnan(harness.relative(1.0, 0.0))
    assert math.isnan(harness.relative(1.0, math.nan))
    assert harness.relative(1.5, 1.0) == pytest.approx(0.5)
