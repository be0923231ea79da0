"""Measure one model on one dataset: repetitions (fixed or adaptive), each a CodeCarbon run with
`load` and `query`.

Each repetition loads the model anew, as the paper did (one tracker run per repetition). Warm-up
inferences, if configured, run between the two phases, outside both.
"""

from __future__ import annotations

import gc
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import pandas as pd
import torch
import transformers

from powerhungry.columns import ENERGY_COLUMNS, FAILED_PHASE
from powerhungry.files import write_atomic
from powerhungry.measure import provenance
from powerhungry.measure.repetitions import enough_repetitions
from powerhungry.measure.tracker import PhaseTracker
from powerhungry.study import DatasetSpec, ModelSpec, Protocol
from powerhungry.tasks import make_runner
from powerhungry.tasks.base import Prediction, TaskRunner

DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


@dataclass(frozen=True)
class CellOutputs:
    measurements: Path
    codecarbon: Path
    predictions: Path


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("protocol.device is 'cuda' but no CUDA device is visible to this job")
    return torch.device(name)


def check_dtype(device: torch.device, dtype: str) -> None:
    if device.type == "cpu" and dtype == "float16":
        raise RuntimeError(
            "protocol.dtype float16 is not supported on the CPU, and this job has no GPU "
            "(protocol.device auto found none); use float32 or bfloat16, or run on a GPU node"
        )


def batches(samples: Sequence[dict[str, Any]], size: int) -> Iterator[Sequence[dict[str, Any]]]:
    for start in range(0, len(samples), size):
        yield samples[start : start + size]


class ModelLoadError(RuntimeError):
    """The prepared model could not be loaded by its task's runner."""


@contextmanager
def naming_the_model(model: ModelSpec, model_dir: Path) -> Iterator[None]:
    """Turn a failure to import or load the model into an error that names it."""
    try:
        yield
    except Exception as error:
        hint = (
            "; it ships its own Python code: if you trust it, set trust_remote_code: true on "
            "its entry in the config"
            if "trust_remote_code" in str(error)
            else ""
        )
        raise ModelLoadError(
            f"model {model.id!r}: cannot load from {str(model_dir)!r}: {error}{hint}"
        ) from error


# Failures that belong to the model: it does not load, or does not fit the GPU at this batch
# size. They are the cell's result (recorded, reported in missing_cells.csv) so that the study
# completes; anything else (a broken tracker, a killed job) fails the job, to be retried.
MODEL_FAILURES = (ModelLoadError, torch.OutOfMemoryError)


def run_inferences(
    runner: TaskRunner, samples: Sequence[dict[str, Any]], batch_size: int
) -> list[Prediction]:
    predictions: list[Prediction] = []
    for batch in batches(samples, batch_size):
        predictions.extend(runner.infer(batch))
    return predictions


def measure_repetition(
    runner: TaskRunner,
    model: ModelSpec,
    model_dir: Path,
    samples: Sequence[dict[str, Any]],
    warmup: Sequence[dict[str, Any]],
    protocol: Protocol,
    device: torch.device,
    run_dir: Path,
) -> tuple[PhaseTracker, list[Prediction], dict[str, Any]]:
    """One CodeCarbon run: load the model (phase `load`), warm up unmeasured, then run every
    sample (phase `query`); the model is dropped afterwards so the next run loads it anew.
    Also returns what the loaded model is (parameter count, architecture kind)."""
    with PhaseTracker(
        output_dir=run_dir,
        project_name=model.id,
        carbon_intensity=protocol.carbon_intensity,
        measure_power_secs=protocol.measure_power_secs,
        device=device,
    ) as tracker:
        with tracker.phase("load"), naming_the_model(model, model_dir):
            runner.load(model_dir, device, DTYPES[protocol.dtype])
        loaded = runner.describe_model()
        run_inferences(runner, warmup, protocol.batch_size)
        with tracker.phase("query"):
            predictions = run_inferences(runner, samples, protocol.batch_size)
    runner.unload()
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return tracker, predictions, loaded


def measure_cell(
    *,
    task: str,
    runner_settings: dict[str, Any],
    model: ModelSpec,
    model_manifest: dict[str, Any],
    dataset: DatasetSpec,
    samples_path: Path,
    dataset_sha256: str,
    protocol: Protocol,
    outputs: CellOutputs,
    workflow_dir: Path,
) -> pd.DataFrame:
    """Run the repetitions and write the tidy rows, CodeCarbon's raw rows and the predictions.

    Nothing is written until every repetition has succeeded, so a failed cell leaves no result.
    """
    # Progress bars would be drawn, and paid for, inside the measured load phase.
    transformers.utils.logging.disable_progress_bar()
    device = resolve_device(protocol.device)
    check_dtype(device, protocol.dtype)
    samples = pd.read_parquet(samples_path).to_dict("records")
    warmup = list(islice(cycle(samples), protocol.warmup_inferences))
    runner = make_runner(task, model.kind, runner_settings)
    model_dir = Path(model_manifest["path"])
    context = {
        "model_source": model.source,
        "model_revision": model_manifest["resolved_revision"],
        "model_weights": model.weights,
        # Random weights never stop generating by themselves: lengths are forced to the maximum.
        "generation_length_forced": model.weights == "random",
        "dataset_source": dataset.source,
        "dataset_sha256": dataset_sha256,
        "batch_size": protocol.batch_size,
        "dtype": protocol.dtype,
        "warmup_inferences": protocol.warmup_inferences,
        "measure_power_secs": protocol.measure_power_secs,
        "carbon_intensity_setting": str(protocol.carbon_intensity),
        **provenance.collect(device, workflow_dir),
    }
    rows: list[dict[str, Any]] = []
    raw_frames: list[pd.DataFrame] = []
    predictions: list[Prediction] = []
    query_energies: list[float] = []
    with naming_the_model(model, model_dir):
        runner.import_code(model_dir)
    scratch = Path(tempfile.mkdtemp(prefix="powerhungry-codecarbon-"))
    try:
        while not enough_repetitions(query_energies, protocol):
            repetition = len(query_energies)
            started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            tracker, predictions, loaded = measure_repetition(
                runner,
                model,
                model_dir,
                samples,
                warmup,
                protocol,
                device,
                scratch / f"repetition-{repetition}",
            )
            ended_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            rows += [
                {
                    "task": task,
                    "model": model.id,
                    "model_kind": model.kind,
                    "dataset": dataset.id,
                    "phase": result.phase,
                    "repetition": repetition,
                    "n_inferences": len(samples),
                    **loaded,
                    **asdict(result),
                    "carbon_intensity_g_per_kwh": result.emissions_kg / result.energy_kwh * 1000,
                    "started_at": started_at,
                    "ended_at": ended_at,
                    **context,
                }
                for result in tracker.results
            ]
            raw_frames += [
                pd.read_csv(raw).assign(repetition=repetition) for raw in tracker.raw_csv_files()
            ]
            query_energies += [r.energy_kwh for r in tracker.results if r.phase == "query"]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table = pd.DataFrame(rows)
    write_atomic(outputs.codecarbon, lambda tmp: pd.concat(raw_frames).to_csv(tmp, index=False))
    write_atomic(
        outputs.predictions,
        lambda tmp: pd.DataFrame(
            {
                "sample_index": [sample["sample_index"] for sample in samples],
                **pd.DataFrame([asdict(p) for p in predictions]).to_dict("list"),
            }
        ).to_parquet(tmp, index=False),
    )
    write_atomic(outputs.measurements, lambda tmp: table.to_csv(tmp, index=False))
    return table


def measure_or_record_failure(**cell: Any) -> pd.DataFrame:
    """`measure_cell`, or, if the model fails, the cell's failure record in its outputs."""
    try:
        return measure_cell(**cell)
    except MODEL_FAILURES as error:
        print(f"cell failed, recorded as such: {type(error).__name__}: {error}")
        return record_failed_cell(error=error, **cell)


def record_failed_cell(
    *,
    error: BaseException,
    task: str,
    model: ModelSpec,
    dataset: DatasetSpec,
    protocol: Protocol,
    outputs: CellOutputs,
    workflow_dir: Path,
    **_: Any,
) -> pd.DataFrame:
    """One row saying which cell failed, why, where and when; no energy, no predictions."""
    row = {
        "task": task,
        "model": model.id,
        "model_kind": model.kind,
        "dataset": dataset.id,
        "phase": FAILED_PHASE,
        "repetition": 0,
        **dict.fromkeys(ENERGY_COLUMNS),
        "n_inferences": 0,
        "error": f"{type(error).__name__}: {error}",
        "ended_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "batch_size": protocol.batch_size,
        "dtype": protocol.dtype,
        **provenance.collect(resolve_device(protocol.device), workflow_dir),
    }
    table = pd.DataFrame([row])
    empty_predictions = pd.DataFrame(columns=["sample_index", *Prediction.__dataclass_fields__])
    write_atomic(outputs.codecarbon, lambda tmp: tmp.write_text(""))
    write_atomic(outputs.predictions, lambda tmp: empty_predictions.to_parquet(tmp, index=False))
    write_atomic(outputs.measurements, lambda tmp: table.to_csv(tmp, index=False))
    return table
