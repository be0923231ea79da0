"""The GPU validation kit's dry mode, run for real: the same script a GPU machine runs, on this
CPU with tiny sizes, skipping only what needs CUDA (and saying so)."""

import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import REPO, copy_workflow, run_snakemake

pytestmark = pytest.mark.workflow

RUN = REPO / "benchmarks" / "gpu" / "run.sh"
PARTS = ["wheels", "config", "environment", "imports", "harness", "cpu_cell", "workflow", "idle"]
HARNESS_TASKS = {"text_classification", "text_generation", "image_generation"}


def run_kit(out: Path, *args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RUN), "--dry-run", "--out", str(out), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHON": sys.executable},
    )


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("gpu-kit")
    result = run_kit(out, "--wheels", str(out / "no-wheels"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out, json.loads((out / "summary.json").read_text()), result.stdout


def test_every_part_runs_and_is_timed(dry_run):
    _, summary, stdout = dry_run
    assert summary["mode"] == "dry-run"
    assert [part["name"] for part in summary["parts"]] == PARTS
    status = {part["name"]: part["status"] for part in summary["parts"]}
    assert status == {"wheels": "skipped"} | {name: "ok" for name in PARTS[1:]}
    wheels = summary["parts"][0]
    assert "no wheels" in wheels["reason"] and "installed packages are used" in wheels["reason"]
    for part in summary["parts"][1:]:
        assert 0 < part["seconds"] <= part["limit_s"], part["name"]
        assert f"{part['name']}: ok" in stdout
    assert summary["wall_s"] <= summary["budget_s"]


def test_results_fit_what_comes_back_from_the_gpu_machine(dry_run):
    out, _, _ = dry_run
    files = sorted(p.name for p in out.iterdir() if p.name != "no-wheels")
    assert files == [
        "harness.csv",
        "logs.tar.gz",
        "measurements.csv",
        "summary.json",
        "workflow-results.tar.gz",
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+", name) for name in files)
    assert sum((out / name).stat().st_size for name in files) < 16 * 2**20
    with tarfile.open(out / "workflow-results.tar.gz") as archive:
        names = set(archive.getnames())
    assert {
        "results/tables/task_summary.csv",
        "results/tables/measurements.csv",
        "results/figures/energy_per_task.png",
        "results/explorer.html",
    } <= names
    with tarfile.open(out / "logs.tar.gz") as archive:
        names = set(archive.getnames())
    assert {f"kit/{name}.log" for name in PARTS[1:]} <= names
    assert any(name.startswith("workflow/measure_inference/") for name in names)


def test_the_workflow_measures_one_tiny_model_per_task(dry_run):
    out, summary, _ = dry_run
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    cells = len(demo["datasets"])  # one task-specific model per task, on each of its datasets
    workflow = next(p for p in summary["parts"] if p["name"] == "workflow")["figures"]
    assert workflow["cells"] == cells and workflow["cells_missing"] == []
    assert workflow["provenance"]["device"] == ["cpu"]
    for model in workflow["kwh_per_1000_inferences"]:  # no GPU: GPU energy is not measured
        assert model["energy_kwh_per_1k"] > 0 and model["gpu_energy_kwh_per_1k"] is None
    rows = pd.read_csv(out / "measurements.csv")
    assert len(rows) == cells * 2 * 2  # 2 repetitions x (load, query)
    assert rows.groupby(["task", "model"]).ngroups == 10
    assert (rows["energy_kwh"] > 0).all()


def test_harness_reports_what_it_measured_and_not_what_it_could_not(dry_run):
    out, summary, _ = dry_run
    harness = pd.read_csv(out / "harness.csv")
    assert set(harness["task"]) == HARNESS_TASKS
    assert (harness["rounds"] == 5).all() and (harness["inferences_per_window"] >= 1).all()
    assert harness["overhead_time"].notna().all() and harness["repeatability_cv"].gt(0).all()
    for column in ["overhead_gpu_energy", "attribution_error_max", "nvml_gpu_j_measured"]:
        assert harness[column].isna().all(), column  # no GPU: empty, never zero
    part = next(p for p in summary["parts"] if p["name"] == "harness")
    assert "needs CUDA" in part["reason"] or "need CUDA" in part["reason"]
    for goal in part["targets"]:
        assert goal["met"] is None, goal  # nothing is judged against a GPU goal on a CPU
        if "GPU energy" in goal["name"] or "NVML" in goal["name"]:
            assert goal["value"] is None, goal  # not measured: empty, never zero
        else:
            assert goal["value"] is not None and "applies on a GPU" in goal["note"], goal


def test_the_cpu_cell_check_says_it_needs_a_gpu_to_mean_anything(dry_run):
    _, summary, _ = dry_run
    (goal,) = [g for g in summary["targets"] if g["part"] == "cpu_cell"]
    assert goal["value"] == 0 and goal["met"] is None and "needs one" in goal["note"]
    idle = next(p for p in summary["parts"] if p["name"] == "idle")
    assert idle["status"] == "ok" and "not measured" in idle["reason"]
    assert idle["figures"] == {}  # no idle GPU power and no above-idle energy: not zeros


def test_a_failing_part_and_a_short_budget_are_reported_and_the_rest_still_runs(tmp_path):
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "broken-1.0-py3-none-any.whl").write_text("not a zip file")
    # Imports start whatever the pace: the parts before it are stopped at their shortest times
    # (wheels 5 s, config 15 s, environment 10 s), which leaves imports its own (30 s). The
    # harness fits after it only on an idle machine; the workflow never does.
    result = run_kit(tmp_path / "out", "--wheels", str(wheels), "--budget", "60", timeout=300)
    assert result.returncode == 1  # a part failed
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    parts = {part["name"]: part for part in summary["parts"]}
    assert list(parts) == PARTS
    assert parts["wheels"]["status"] == "failed"
    assert "pip exited" in parts["wheels"]["reason"] and "broken" in parts["wheels"]["reason"]
    assert "wheels       failed" in result.stdout
    assert parts["config"]["status"] == "ok" and parts["imports"]["status"] == "ok"
    # The workflow does not fit in what is left: skipped, saying so; so is what reads its tables.
    assert parts["workflow"]["status"] == "skipped"
    assert parts["workflow"]["reason"].startswith("out of time")
    assert parts["idle"]["status"] == "skipped" and "workflow part" in parts["idle"]["reason"]
    for name in ["harness", "cpu_cell"]:  # run if they fit; else stopped or skipped, saying so
        part = parts[name]
        assert part["status"] == "ok" or part["reason"].startswith(("out of time", "ran past"))
    assert summary["wall_s"] < 60 + 40  # a part that starts may use its shortest time


def test_the_gpu_run_plans_one_real_architecture_per_task(tmp_path):
    """What the GPU machine will run, planned here: the config part in GPU mode, then a dry run
    of Snakemake on it (nothing is executed)."""
    parts = REPO / "benchmarks" / "gpu" / "parts.py"
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir(), out.mkdir()
    made = subprocess.run(
        [sys.executable, str(parts), "config", "--work", str(work), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    config = yaml.safe_load((work / "run-config.yaml").read_text())
    architectures = yaml.safe_load((REPO / "config" / "architectures.yaml").read_text())
    assert [m["id"] for m in config["models"]] == [m["id"] for m in architectures["models"]]
    assert config["protocol"]["device"] == "cuda" and config["protocol"]["repetitions"] == 3
    workflow = copy_workflow(tmp_path / "workflow")
    planned = run_snakemake(
        workflow,
        "-n",
        "--configfile",
        str(work / "run-config.yaml"),
        "--replace-workflow-config",
        "--resources",
        "gpu=1",
        "--cores",
        "16",
    )
    assert planned.returncode == 0, planned.stderr[-3000:]
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    jobs = re.search(r"^measure_inference\s+(\d+)\s*$", planned.stdout, re.MULTILINE)
    assert jobs and int(jobs.group(1)) == len(demo["datasets"])


def test_a_stopped_kit_stops_its_part_and_still_reports(tmp_path):
    out = tmp_path / "out"
    kit = subprocess.Popen(
        [str(RUN), "--dry-run", "--out", str(out), "--wheels", str(tmp_path / "none")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
    )
    deadline = time.monotonic() + 120
    while (
        not (out / "summary.json").is_file() or "config" not in (out / "summary.json").read_text()
    ):
        assert time.monotonic() < deadline and kit.poll() is None
        time.sleep(0.2)
    kit.send_signal(signal.SIGTERM)  # while a later part runs
    output, _ = kit.communicate(timeout=60)
    assert kit.returncode == 1, output
    summary = json.loads((out / "summary.json").read_text())
    assert [part["name"] for part in summary["parts"]] == PARTS
    stopped = [p for p in summary["parts"] if p["reason"] == "the kit was stopped (SIGTERM)"]
    assert stopped and all(p["status"] == "failed" for p in stopped)
    assert (out / "logs.tar.gz").is_file()
    time.sleep(1)
    leftovers = [
        entry.name
        for entry in Path("/proc").iterdir()
        if entry.name.isdigit() and str(out) in read_cmdline(entry)
    ]
    assert not leftovers, "a part outlived the kit"


def read_cmdline(entry: Path) -> str:
    try:
        return (entry / "cmdline").read_bytes().decode(errors="replace")
    except OSError:  # the process ended meanwhile
        return ""
