"""The energy meter: named windows around a real CodeCarbon tracker on this machine's CPU."""

import time

import pytest
import torch

from powerhungry.measure.devices import synchronizer
from powerhungry.measure.meter import EnergyMeter, MeasurementError, tracker_arguments


def busy(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        sum(i * i for i in range(1000))


def test_phases_record_real_energy_and_raw_csv(tmp_path):
    with EnergyMeter(tmp_path, carbon_intensity=138.75) as meter:
        with meter.window("load"):
            busy(0.2)
        with meter.window("query"):
            busy(0.6)
    load, query = meter.results
    assert (load.phase, query.phase) == ("load", "query")
    assert (
        0.59 <= query.duration_s < 1.5
    )  # the phase covers the work (generous on a loaded machine)
    assert query.energy_kwh > load.energy_kwh > 0
    assert query.gpu_energy_kwh is None  # no GPU here: not measured, never 0
    assert query.energy_kwh == pytest.approx(query.cpu_energy_kwh + query.ram_energy_kwh, rel=1e-6)
    assert query.emissions_kg / query.energy_kwh == pytest.approx(0.13875, rel=1e-6)
    (raw,) = meter.raw_csv_files()
    assert raw.read_text().count("\n") == 3  # header, load, query


def test_country_code_uses_codecarbon_grid_data(tmp_path):
    assert tracker_arguments("FRA") == {"country_iso_code": "FRA"}
    meter = EnergyMeter(carbon_intensity="FRA")  # no output_dir: no file, results as data
    with meter, meter.window("query"):
        busy(0.1)
    (result,) = meter.results
    assert meter.raw_csv_files() == [] and not list(tmp_path.iterdir())
    assert 0 < result.emissions_kg / result.energy_kwh * 1000 < 200  # France's grid, g/kWh


def test_a_tracker_that_failed_to_initialise_is_an_error(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("")
    # CodeCarbon swallows the error of an unusable output_dir; the wrapper must not.
    with pytest.raises((MeasurementError, OSError)):
        EnergyMeter(blocked / "out")


def test_windows_synchronize_cuda_before_and_after(monkeypatch):
    calls = []
    monkeypatch.setattr("torch.cuda.synchronize", lambda device=None: calls.append(device))
    meter = EnergyMeter(synchronize=synchronizer(torch.device("cuda", 0)))  # a GPU job's meter
    with meter, meter.window("query"):
        calls.append("work")
    assert calls == [torch.device("cuda", 0), "work", torch.device("cuda", 0)]
    assert synchronizer(torch.device("cpu"))() is None and len(calls) == 3  # the CPU never waits


def test_begin_and_end_window_by_name():
    meter = EnergyMeter()
    with meter:
        meter.begin_window("load")
        with pytest.raises(RuntimeError, match="'query' begun while window 'load' is open"):
            meter.begin_window("query")
        busy(0.05)
        load = meter.end_window("load")
        with pytest.raises(RuntimeError, match="'load' ended, but no window is open"):
            meter.end_window("load")
    assert meter.results == [load] and load.phase == "load" and load.energy_kwh > 0


def test_a_window_whose_work_fails_keeps_nothing_and_the_next_one_measures():
    meter = EnergyMeter()
    with meter:
        with pytest.raises(ValueError, match="the work failed"), meter.window("load"):
            raise ValueError("the work failed")
        with meter.window("query"):
            busy(0.05)
    assert [window.phase for window in meter.results] == ["query"]
    assert meter.results[0].energy_kwh > 0


@pytest.mark.parametrize(
    ("carbon_intensity", "named"),
    [
        ("XX", "not a country code"),
        ("fra", "not a country code"),  # CodeCarbon's data spells it FRA
        ("138.75", "not a country code"),
        (0, "give a positive number"),
        (-100, "give a positive number"),
        (True, "give a positive number"),
    ],
)
def test_a_carbon_intensity_codecarbon_would_replace_by_a_default_is_refused(
    carbon_intensity, named
):
    with pytest.raises(ValueError, match=named):
        EnergyMeter(carbon_intensity=carbon_intensity)


def test_a_meter_measures_one_run_with_each_window_once():
    meter = EnergyMeter()
    with pytest.raises(RuntimeError, match="outside the meter's run: start it first"):
        meter.begin_window("early")
    with meter:
        with meter.window("query"):
            busy(0.05)
        with pytest.raises(RuntimeError, match="'query' was measured already"):
            meter.begin_window("query")
        with pytest.raises(RuntimeError, match="no window is open: call begin_window"):
            meter.end_window("load")
    with pytest.raises(RuntimeError, match=r"run has ended: .* make a new EnergyMeter"):
        meter.start()
    left_open = EnergyMeter()
    left_open.start()
    left_open.begin_window("load")
    with pytest.raises(RuntimeError, match=r"'load' was still open .* not recorded"):
        left_open.stop()
    assert left_open.results == []
    with pytest.raises(ValueError, match="measure_power_secs"):
        EnergyMeter(measure_power_secs=0)
