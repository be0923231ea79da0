"""The CodeCarbon wrapper with a real tracker on this machine's CPU."""

import time

import pytest
import torch

from powerhungry.measure.tracker import (
    MeasurementError,
    PhaseTracker,
    tracked_gpu_ids,
    tracker_arguments,
)


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(i * i for i in range(1000))


def test_phases_record_real_energy_and_raw_csv(tmp_path):
    with PhaseTracker(tmp_path, "test", 138.75, 1, torch.device("cpu")) as tracker:
        with tracker.phase("load"):
            busy(0.2)
        with tracker.phase("query"):
            busy(0.6)
    load, query = tracker.results
    assert (load.phase, query.phase) == ("load", "query")
    assert (
        0.59 <= query.duration_s < 1.5
    )  # the phase covers the work (generous on a loaded machine)
    assert query.energy_kwh > load.energy_kwh > 0
    assert query.energy_kwh == pytest.approx(
        query.cpu_energy_kwh + query.gpu_energy_kwh + query.ram_energy_kwh, rel=1e-6
    )
    assert query.emissions_kg / query.energy_kwh == pytest.approx(0.13875, rel=1e-6)
    (raw,) = tracker.raw_csv_files()
    assert raw.read_text().count("\n") == 3  # header, load, query


def test_country_code_uses_codecarbon_grid_data(tmp_path):
    assert tracker_arguments("FRA") == {"country_iso_code": "FRA"}
    with (
        PhaseTracker(tmp_path, "test", "FRA", 1, torch.device("cpu")) as tracker,
        tracker.phase("query"),
    ):
        busy(0.1)
    (result,) = tracker.results
    assert 0 < result.emissions_kg / result.energy_kwh * 1000 < 200  # France's grid, g/kWh


def test_a_tracker_that_failed_to_initialise_is_an_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    # CodeCarbon swallows the error of an unusable output_dir; the wrapper must not.
    with pytest.raises((MeasurementError, OSError)):
        PhaseTracker(blocked / "out", "test", "USA", 1, torch.device("cpu"))


def test_only_the_jobs_gpus_are_tracked(monkeypatch):
    assert tracked_gpu_ids(torch.device("cpu")) is None
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    assert tracked_gpu_ids(torch.device("cuda", 0)) is None  # CodeCarbon reads the variable
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    assert tracked_gpu_ids(torch.device("cuda", 1)) == [1]  # not every GPU of the node


def test_phases_synchronize_cuda_before_and_after(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr("torch.cuda.synchronize", lambda device=None: calls.append(device))
    tracker = PhaseTracker(tmp_path, "test", "USA", 1, torch.device("cpu"))
    tracker.device = torch.device("cuda", 0)  # what a GPU job's tracker holds
    with tracker, tracker.phase("query"):
        calls.append("work")
    assert calls == [torch.device("cuda", 0), "work", torch.device("cuda", 0)]


def test_gpu_energy_source_reads_the_counter_or_falls_back(monkeypatch):
    import sys
    import types

    from powerhungry.measure.provenance import gpu_energy_source

    assert gpu_energy_source(torch.device("cpu")) == ""

    def fake_nvml(counter):
        def energy(handle):
            if not counter:
                raise RuntimeError("NVMLError_NotSupported")
            return 123

        return types.SimpleNamespace(
            nvmlInit=lambda: None,
            nvmlDeviceGetHandleByIndex=lambda i: i,
            nvmlDeviceGetTotalEnergyConsumption=energy,
        )

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2")
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(counter=True))
    assert gpu_energy_source(torch.device("cuda", 0)) == "energy_counter"
    monkeypatch.setitem(sys.modules, "pynvml", fake_nvml(counter=False))
    assert gpu_energy_source(torch.device("cuda", 0)) == "power_sampling"
