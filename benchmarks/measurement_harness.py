"""Benchmarks of the measurement core (not timed tests): harness overhead, repeatability and
GPU attribution, on the cells of a study config.

    .venv/bin/python benchmarks/measurement_harness.py [--config config/demo.yaml ...]
        [--tasks text_classification ...] [--rounds 5] [--seconds 3] [--device auto]

For each task, the first task-specific model of the config on the task's first dataset is loaded
once through the workflow's own runner, warmed up, and its samples are cycled to a workload of
about `--seconds`. Then, `--rounds` times, in alternating order (ABBA, so drift cancels):

- (a) a bare loop: the same runner calls on the same inputs, synchronised, timed with
  perf_counter, no tracker;
- (b) the workflow's measured query phase: a CodeCarbon run (`EnergyMeter`) around the same loop.

On a GPU both windows are also read on the GPU's NVML energy counter
(`nvmlDeviceGetTotalEnergyConsumption`, mJ, the board's own counter; CodeCarbon reads the same
counter, so this is a reference independent of CodeCarbon's code path, not of the counter).

Reported per task (goals from the project's issue on GPU validation):
- overhead: median wall time of (b), the tracker's own start and stop of the phase included (what
  a job pays), over (a)'s, minus 1; on a GPU also the NVML GPU energy over the same spans;
  goal <= 2 %;
- repeatability: coefficient of variation of (b)'s query energy over the rounds (GPU energy on a
  GPU, CodeCarbon's CPU+RAM estimate on a CPU); goal <= 2 % on a GPU;
- attribution: CodeCarbon's GPU energy of each (b) phase over the NVML counter read inside that
  phase around the work alone, minus 1 (the mean and the largest absolute value over rounds).
A figure that cannot be measured (no GPU, no counter) is NaN, never 0.

The NVML counter updates about ten times a second (platform notes, H200), so a window of S
seconds reads within about 0.1/S of its energy: 3 % at 3 s. Rows are appended to
benchmarks/results/harness_by_task.tsv (or `--results`), naming the device and model.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import pandas as pd
import torch
from snakemake.utils import validate

from powerhungry.data.sampling import sample
from powerhungry.measure.cell import run_inferences
from powerhungry.measure.devices import (
    DTYPES,
    resolve_device,
    synchronize,
    synchronizer,
    tracked_gpu_ids,
)
from powerhungry.measure.meter import EnergyMeter
from powerhungry.measure.provenance import cpu_model, gpu_description
from powerhungry.models.prepare import prepare_model
from powerhungry.study import Cell, Study, load_study, read_config_files
from powerhungry.tasks import RUNNABLE_TASKS, make_runner
from powerhungry.tasks.base import TaskRunner

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results" / "harness_by_task.tsv"
TASKS = ("text_classification", "text_generation", "image_generation")
JOULES_PER_KWH = 3.6e6


def load_config(paths: Sequence[str | Path]) -> dict[str, Any]:
    """Config files merged as `snakemake --configfile A B --replace-workflow-config` merges them
    (later files deep-update earlier ones; lists are replaced), validated with defaults filled."""
    config = read_config_files(paths)
    validate(config, str(REPO / "config" / "schema.yaml"))
    return config


def harness_cell(study: Study, task: str) -> Cell:
    """The first task-specific model of `task` on the task's first dataset."""
    for cell in study.cells:
        if cell.task == task and cell.model.kind == "task_specific":
            return cell
    raise ValueError(f"the config has no task-specific model for task {task!r}")


class NvmlCounter:
    """The NVML energy counter of the GPU this process was given (J since the driver loaded).

    The GPU is the first of CUDA_VISIBLE_DEVICES (an NVML index or a GPU UUID), else the current
    CUDA device: the same choice CodeCarbon makes for `gpu_ids`. Raises pynvml.NVMLError where
    the board has no counter (pre-Volta) and ImportError without nvidia-ml-py.
    """

    def __init__(self) -> None:
        import pynvml

        pynvml.nvmlInit()
        visible = os.environ.get("CUDA_VISIBLE_DEVICES", "").split(",")[0].strip()
        if visible.isdigit() or not visible:
            index = int(visible) if visible else torch.cuda.current_device()
            self._handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        else:
            self._handle = pynvml.nvmlDeviceGetHandleByUUID(visible)
        self._read = pynvml.nvmlDeviceGetTotalEnergyConsumption
        self.joules()  # fails here, not mid-benchmark, if the board has no counter

    def joules(self) -> float:
        return self._read(self._handle) / 1000.0


@dataclass(frozen=True)
class Window:
    """One run of the workload. `seconds`: perf_counter over the whole window (for a measured
    one: the tracker's start and stop of the phase included, which is what a job pays);
    `nvml_gpu_j`: the NVML counter over the same span (J; NaN without a counter). For a measured
    window also CodeCarbon's query phase (kWh, and its own duration) and the NVML counter read
    inside the phase, around the work alone (J), which is what CodeCarbon's reading is compared
    with: both readings then span the work, neither the tracker's own start and stop."""

    seconds: float
    nvml_gpu_j: float
    codecarbon_kwh: float = math.nan
    codecarbon_gpu_kwh: float = math.nan
    codecarbon_s: float = math.nan
    nvml_inner_j: float = math.nan


def joules(counter: NvmlCounter | None) -> float:
    return counter.joules() if counter else math.nan


def bare_window(
    work: Callable[[], object], device: torch.device, counter: NvmlCounter | None
) -> Window:
    synchronize(device)
    energy, start = joules(counter), time.perf_counter()
    work()
    synchronize(device)
    return Window(time.perf_counter() - start, joules(counter) - energy)


def measured_window(
    work: Callable[[], object], device: torch.device, counter: NvmlCounter | None, scratch: Path
) -> Window:
    """The workflow's query window (`EnergyMeter`, synchronised inside) around the same work."""
    meter = EnergyMeter(
        scratch,
        project_name="harness",
        gpu_ids=tracked_gpu_ids(device),
        synchronize=synchronizer(device),
    )
    with meter:
        synchronize(device)
        energy, start = joules(counter), time.perf_counter()
        with meter.window("query"):
            inner = joules(counter)
            work()
            synchronize(device)
            inner = joules(counter) - inner
        seconds, energy = time.perf_counter() - start, joules(counter) - energy
    (query,) = meter.results
    gpu_kwh = math.nan if query.gpu_energy_kwh is None else query.gpu_energy_kwh  # CPU: none
    return Window(seconds, energy, query.energy_kwh, gpu_kwh, query.duration_s, inner)


def cycled(samples: Sequence[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    return list(islice(cycle(samples), count))


def workload_size(
    runner: TaskRunner,
    samples: Sequence[dict[str, Any]],
    batch_size: int,
    device: torch.device,
    seconds: float,
) -> int:
    """How many inferences (cycling the samples) fill about `seconds`: timed one batch at a
    time for about a quarter of that, so a slow model (seconds per image) is probed once."""
    done, start, elapsed = 0, time.perf_counter(), 0.0
    while elapsed < seconds / 4:
        batch = [samples[(done + i) % len(samples)] for i in range(batch_size)]
        run_inferences(runner, batch, batch_size)
        synchronize(device)
        done += len(batch)
        elapsed = time.perf_counter() - start
    return max(1, math.ceil(seconds / elapsed * done))


def benchmark_task(
    study: Study, task: str, device: torch.device, rounds: int, seconds: float, scratch: Path
) -> dict[str, Any]:
    """Overhead, repeatability and attribution of one task's cell; one result row."""
    cell = harness_cell(study, task)
    model_dir = scratch / "model"
    manifest = prepare_model(cell.model, model_dir, scratch / "model.json")
    samples = sample(cell.dataset).to_dict("records")
    runner = make_runner(
        task, cell.model.kind, study.runner_settings(task, cell.model, cell.dataset)
    )
    runner.import_code(Path(manifest["path"]))
    runner.load(Path(manifest["path"]), device, DTYPES[study.protocol.dtype])
    batch_size = study.protocol.batch_size
    # Warm-up as the protocol does it, outside every window.
    run_inferences(runner, cycled(samples, max(1, study.protocol.warmup_inferences)), batch_size)
    count = workload_size(runner, samples, batch_size, device, seconds)
    inputs = cycled(samples, count)

    def work() -> object:
        return run_inferences(runner, inputs, batch_size)

    counter, nvml = None, "no GPU"
    if device.type == "cuda":
        try:
            counter, nvml = NvmlCounter(), "energy counter"
        except Exception as error:  # GPU figures that need the counter are then left empty
            nvml = f"unavailable: {type(error).__name__}: {error}"
    bare: list[Window] = []
    measured: list[Window] = []
    for index in range(rounds):
        order = ("bare", "measured") if index % 2 == 0 else ("measured", "bare")
        for kind in order:
            if kind == "bare":
                bare.append(bare_window(work, device, counter))
            else:
                measured.append(measured_window(work, device, counter, scratch / f"cc-{index}"))
    runner.unload()
    return {**summarize_task(cell, device, count, bare, measured), "nvml": nvml}


def relative(value: float, reference: float) -> float:
    """value / reference - 1; NaN where the reference is zero or not measured."""
    return value / reference - 1 if reference and not math.isnan(reference) else math.nan


def summarize_task(
    cell: Cell, device: torch.device, count: int, bare: list[Window], measured: list[Window]
) -> dict[str, Any]:
    def median(windows: list[Window], field: str) -> float:
        return statistics.median(getattr(w, field) for w in windows)

    on_gpu = device.type == "cuda"
    query_energy = [w.codecarbon_gpu_kwh if on_gpu else w.codecarbon_kwh for w in measured]
    mean_energy = statistics.mean(query_energy)
    attribution = [
        a
        for w in measured
        if on_gpu
        and not math.isnan(a := relative(w.codecarbon_gpu_kwh * JOULES_PER_KWH, w.nvml_inner_j))
    ]
    return {
        "task": cell.task,
        "model": cell.model.id,
        "dataset": cell.dataset.id,
        "inferences_per_window": count,
        "rounds": len(measured),
        "bare_s": median(bare, "seconds"),
        "measured_s": median(measured, "seconds"),
        "codecarbon_s": median(measured, "codecarbon_s"),
        "overhead_time": relative(median(measured, "seconds"), median(bare, "seconds")),
        "overhead_gpu_energy": relative(median(measured, "nvml_gpu_j"), median(bare, "nvml_gpu_j")),
        "repeatability_cv": (
            statistics.stdev(query_energy) / mean_energy if mean_energy else math.nan
        ),
        "repeatability_energy": "codecarbon_gpu_kwh" if on_gpu else "codecarbon_kwh (cpu+ram)",
        "query_kwh_per_1000": mean_energy / count * 1000,
        "attribution_error_mean": statistics.mean(attribution) if attribution else math.nan,
        "attribution_error_max": max(attribution, key=abs) if attribution else math.nan,
        "nvml_gpu_j_measured": median(measured, "nvml_gpu_j"),
    }


def run_harness(
    config_paths: Sequence[str | Path],
    tasks: Sequence[str] = TASKS,
    rounds: int = 5,
    seconds: float = 3.0,
    device_name: str = "auto",
    write: Callable[[pd.DataFrame], object] | None = None,
) -> pd.DataFrame:
    """One row per task (columns: see `summarize_task`), with the device and versions. A task
    that fails gets a row with its `error` and the others still run; `write` is given the table
    after each task, so a run stopped midway keeps the tasks it finished."""
    study = load_study(load_config(config_paths), RUNNABLE_TASKS)
    device = resolve_device(device_name)
    gpu, _, driver = gpu_description(device)
    rows: list[dict[str, Any]] = []
    table = pd.DataFrame()
    for task in tasks:
        with tempfile.TemporaryDirectory(prefix="powerhungry-harness-") as scratch:
            try:
                rows.append(benchmark_task(study, task, device, rounds, seconds, Path(scratch)))
            except Exception as error:  # recorded: the other tasks are still measured
                rows.append({"task": task, "error": f"{type(error).__name__}: {error}"})
        table = pd.DataFrame(rows).assign(
            date=datetime.now(UTC).isoformat(timespec="seconds"),
            device=gpu or f"CPU: {cpu_model()}",
            gpu_driver=driver,
            torch=torch.__version__,
        )
        if write is not None:
            write(table)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", nargs="+", default=["config/demo.yaml"])
    parser.add_argument("--tasks", nargs="+", default=list(TASKS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args()
    table = run_harness(args.config, args.tasks, args.rounds, args.seconds, args.device)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.results, sep="\t", index=False, mode="a", header=not args.results.exists())
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
