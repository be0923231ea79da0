"""Benchmarks of the measurement core (not timed tests): harness overhead and repeatability.

    .venv/bin/python benchmarks/measurement_harness.py [--samples 200] [--repetitions 10]

1. Harness overhead: the same inferences on the same inputs, alternately (a) through the
   workflow's measurement path (a CodeCarbon run with its query phase, synchronize, the runner)
   and (b) in a bare loop of the same runner calls timed with perf_counter, with no tracker.
   Goal: <= 2 % extra time (and energy, on a GPU).
2. Repeatability: coefficient of variation of the query energy over repetitions of one cell
   through `measure_cell`. Goal: <= 2 % on a GPU (on a CPU, CodeCarbon estimates CPU power from
   the machine's load, so its spread says more about the machine than about the harness).

Both run a small BERT-like classifier built locally (random weights, no hub) and append a row
per benchmark to benchmarks/results/measurement_harness.tsv, naming the device.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import torch

from powerhungry.measure.cell import CellOutputs, measure_cell, resolve_device, run_inferences
from powerhungry.measure.provenance import cpu_model, gpu_description
from powerhungry.measure.tracker import PhaseTracker
from powerhungry.models.tiny import build_tiny_model
from powerhungry.study import DatasetSpec, ModelSpec, Protocol
from powerhungry.tasks import make_runner

RESULTS = Path(__file__).parent / "results" / "measurement_harness.tsv"
MODEL = {
    "architecture": "bert_sequence_classification",
    "hidden_size": 256,
    "num_layers": 4,
    "labels": ["NEGATIVE", "POSITIVE"],
    "seed": 0,
}
TEXT = "the committee published its report on energy use and data centres draw power"


def harness_overhead(model_dir: Path, samples: list[dict], device: torch.device, rounds: int):
    runner = make_runner("text_classification", "task_specific", {})
    runner.import_code(model_dir)
    runner.load(model_dir, device, torch.float32)
    run_inferences(runner, samples[:10], 1)  # warm-up, outside both
    bare, measured, measured_energy = [], [], []
    with tempfile.TemporaryDirectory() as scratch:
        for i in range(rounds):
            start = time.perf_counter()
            run_inferences(runner, samples, 1)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            bare.append(time.perf_counter() - start)
            tracker = PhaseTracker(Path(scratch) / str(i), "benchmark", "USA", 1, device)
            with tracker, tracker.phase("query"):
                run_inferences(runner, samples, 1)
            measured.append(tracker.results[0].duration_s)
            measured_energy.append(tracker.results[0].energy_kwh)
    bare_s, measured_s = statistics.median(bare), statistics.median(measured)
    return {
        "benchmark": "harness_overhead",
        "value": (measured_s - bare_s) / bare_s,
        "unit": "relative extra time (median of rounds)",
        "detail": f"bare {bare_s:.4f} s, measured {measured_s:.4f} s, {rounds} rounds, "
        f"{len(samples)} inferences each",
    }


def repeatability(model_dir: Path, samples_path: Path, device: str, repetitions: int):
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch)
        table = measure_cell(
            task="text_classification",
            runner_settings={},
            model=ModelSpec(id="benchmark/bert", kind="task_specific", source="local"),
            model_manifest={"path": str(model_dir), "resolved_revision": "random-weights"},
            dataset=DatasetSpec(
                id="repeated", task="text_classification", split="-", samples=0, fields={}
            ),
            samples_path=samples_path,
            dataset_sha256="-",
            protocol=Protocol(
                batch_size=1,
                repetitions=repetitions,
                warmup_inferences=10,
                measure_power_secs=1,
                carbon_intensity="USA",
                device=device,
                dtype="float32",
            ),
            outputs=CellOutputs(out / "m.csv", out / "c.csv", out / "p.parquet"),
            workflow_dir=Path(__file__).parent,
        )
    energy = table[table["phase"] == "query"]["energy_kwh"]
    return {
        "benchmark": "repeatability",
        "value": energy.std() / energy.mean(),
        "unit": "coefficient of variation of query energy",
        "detail": f"{repetitions} repetitions of {len(pd.read_parquet(samples_path))} inferences",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--repetitions", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    args = parser.parse_args()
    device = resolve_device(args.device)
    samples = [{"sample_index": i, "text": f"{TEXT} {i}"} for i in range(args.samples)]
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = Path(scratch) / "model"
        build_tiny_model(MODEL, model_dir)
        samples_path = Path(scratch) / "samples.parquet"
        pd.DataFrame(samples).to_parquet(samples_path, index=False)
        rows = [
            harness_overhead(model_dir, samples, device, args.rounds),
            repeatability(model_dir, samples_path, args.device, args.repetitions),
        ]
    gpu, _, _ = gpu_description(device)
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    table = pd.DataFrame(rows).assign(
        date=stamp, device=gpu or f"CPU: {cpu_model()}", torch=torch.__version__
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(RESULTS, sep="\t", index=False, mode="a", header=not RESULTS.exists())
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
