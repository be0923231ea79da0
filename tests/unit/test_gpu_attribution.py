"""A measurement counts exactly the GPUs it was given: none for a CPU cell, GPU k only when given
GPU k, whatever CUDA_VISIBLE_DEVICES says (unset, empty, indices, UUIDs), and says how the GPU
energy was read. Real pynvml, real CodeCarbon trackers and the project's meter, on a node of
stand-in GPUs (tests/standin_nvml: GPU k draws 100 x (k + 1) W), in a process started to see
them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import standin_nvml

pytestmark = pytest.mark.slow  # one process of a dozen CodeCarbon runs: ~20 s

# Every scenario in one process, one after the other (a job makes several meters: CodeCarbon
# caches hardware per process), printing one JSON line each.
PROBE = """
import json, os, sys, time
import torch
from powerhungry.measure.devices import tracked_gpu_ids
from powerhungry.measure.idle import measure_idle_power
from powerhungry.measure.meter import EnergyMeter
from powerhungry.measure.provenance import gpu_energy_source

for scenario in json.loads(sys.argv[1]):
    os.environ["STANDIN_NVML_GPUS"] = str(scenario["gpus"])
    for name, value in (("CUDA_VISIBLE_DEVICES", scenario.get("visible")),
                        ("STANDIN_NVML_COUNTERLESS", scenario.get("counterless"))):
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value
    device = torch.device(scenario["device"])
    try:
        if scenario.get("idle"):
            print(json.dumps({"idle": measure_idle_power(1.0, device, 100.0)}), flush=True)
            continue
        ids = tracked_gpu_ids(device)
        meter = EnergyMeter(gpu_ids=ids, measure_power_secs=0.25, carbon_intensity=100.0)
        with meter, meter.window("w"):
            time.sleep(1.5)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
        continue
    (w,) = meter.results
    power = None if w.gpu_energy_kwh is None else w.gpu_energy_kwh * 3.6e6 / w.duration_s
    print(json.dumps({"ids": ids, "gpu_w": power, "count": w.codecarbon_gpu_count,
                      "model": w.codecarbon_gpu_model, "energy_kwh": w.energy_kwh,
                      "parts_kwh": w.cpu_energy_kwh + w.ram_energy_kwh,
                      "source": gpu_energy_source(device)}), flush=True)
"""

UUID_1 = "GPU-00000000-0000-0000-0000-000000000001"


def scenario(gpus, visible, device, **more):
    return {"gpus": gpus, "visible": visible, "device": device, **more}


# (scenario, the NVML index of the one GPU it must count, or None for none)
COUNTED = [
    # A CPU cell counts no GPU: on a node with none, with four nobody narrowed, with
    # CUDA_VISIBLE_DEVICES empty or naming all four (CodeCarbon alone would count all four).
    (scenario(0, None, "cpu"), None),
    (scenario(4, None, "cpu"), None),
    (scenario(4, "", "cpu"), None),
    (scenario(4, "0,1,2,3", "cpu"), None),
    # A GPU cell counts its own GPU only, named by index or UUID, or by CUDA's index alone.
    (scenario(1, None, "cuda:0"), 0),
    (scenario(4, None, "cuda:2"), 2),
    (scenario(4, "3", "cuda:0"), 3),
    (scenario(4, "0,2", "cuda:1"), 2),
    (scenario(4, UUID_1, "cuda:0"), 1),
    # A board without an energy counter: CodeCarbon integrates power samples, and says so.
    (scenario(4, "2", "cuda:0", counterless="1"), 2),
]
OTHERS = [
    scenario(4, None, "cpu", idle=True),
    scenario(4, "0,1", "cuda:1", idle=True),
    scenario(4, "GPU-ffffffff", "cuda:0"),
    scenario(2, "1,5", "cuda:1"),
]


@pytest.fixture(scope="module")
def probed(standin_gpus):
    """Every scenario's result, from one process that sees the stand-in GPUs."""
    scenarios = [s for s, _ in COUNTED] + OTHERS
    result = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(scenarios)],
        env=standin_nvml.environment(standin_gpus, gpus=4, cuda_visible_devices=None),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == len(scenarios), result.stdout + result.stderr[-3000:]
    return lines


@pytest.mark.parametrize(
    "index",
    range(len(COUNTED)),
    ids=[f"{s['gpus']}gpus-cvd={s['visible']}-{s['device']}-{len(s)}" for s, _ in COUNTED],
)
def test_a_cell_counts_exactly_the_gpu_it_was_given(probed, index):
    given, counted = COUNTED[index]
    got = probed[index]
    assert "error" not in got, got
    if counted is None:
        assert got["ids"] == [] and got["count"] == 0 and got["model"] == ""
        assert got["gpu_w"] is None and got["source"] == ""  # not measured: empty, never 0
        assert got["energy_kwh"] == pytest.approx(got["parts_kwh"], rel=1e-6)
        return
    assert got["ids"] == [str(counted)]
    assert got["count"] == 1 and got["model"] == "1 x Stand-in GPU"
    if given.get("counterless"):
        assert got["source"] == "power_sampling"
        assert got["gpu_w"] == pytest.approx(standin_nvml.power_w(counted), rel=0.25)
    else:
        assert got["source"] == "energy_counter"
        assert got["gpu_w"] == pytest.approx(standin_nvml.power_w(counted), rel=0.05)


def test_a_jobs_idle_baseline_is_its_own_gpus(probed):
    on_cpu, on_gpu_1 = probed[len(COUNTED)]["idle"], probed[len(COUNTED) + 1]["idle"]
    assert on_cpu["gpu_idle_power_w"] is None and on_cpu["gpu_count"] == 0
    assert on_cpu["cpu_power_w"] > 0
    assert on_gpu_1["gpu_count"] == 1 and on_gpu_1["gpu_model"] == "1 x Stand-in GPU"
    assert on_gpu_1["gpu_idle_power_w"] == pytest.approx(standin_nvml.power_w(1), rel=0.05)


def test_a_gpu_the_machine_does_not_have_is_an_error_not_a_zero(probed):
    unknown_uuid, out_of_range = probed[len(COUNTED) + 2 :]
    assert "CUDA_VISIBLE_DEVICES names 'GPU-ffffffff'" in unknown_uuid["error"]
    assert "CodeCarbon counts 0 GPUs for the GPUs ['5']" in out_of_range["error"]
