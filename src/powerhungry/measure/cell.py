"""Measure one model on one dataset (a cell): repetitions (fixed or adaptive), each an
EnergyMeter run with the windows `load` and `query`.

Each repetition loads the model anew, as the paper did (one tracker run per repetition). Warm-up
inferences, if configured, run between the two windows, outside both. `run_cell` measures and
returns plain data; `measure_cell` also writes it (`cell_files.write_cell`), nothing unless every
repetition succeeded, checkpointing each finished repetition so that an interrupted job resumes;
`measure_or_record_failure` writes a model's failure as the cell's result.
"""

from __future__ import annotations

import gc
import hashlib
import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from itertools import cycle, islice
from pathlib import Path
from typing import Any

import torch
import transformers

from powerhungry.columns import (
    DATASET_SUBSTITUTE,
    DEFAULT_SCENARIO,
    ENERGY_COLUMNS,
    FAILED_PHASE,
    SCENARIO,
)
from powerhungry.measure import provenance
from powerhungry.measure.cell_files import (
    CellOutputs,
    read_checkpoint,
    read_csv_rows,
    read_samples,
    write_cell,
    write_checkpoint,
)
from powerhungry.measure.devices import (
    DTYPES,
    UnsupportedDtypeError,
    check_dtype,
    resolve_device,
    synchronizer,
    tracked_gpu_ids,
)
from powerhungry.measure.gpus import measuring_alone
from powerhungry.measure.idle import above_idle_kwh, job_idle_baseline
from powerhungry.measure.meter import EnergyMeter
from powerhungry.measure.repetitions import enough_repetitions
from powerhungry.plan.shards import Shard
from powerhungry.startup import long_lived_setup
from powerhungry.study import DatasetSpec, ModelSpec, Protocol
from powerhungry.tasks import make_runner
from powerhungry.tasks.base import ATTENTION, Prediction, TaskRunner


@dataclass(frozen=True)
class CellJob:
    """Everything one cell's measurement needs: the study's specs, the prepared model's
    manifest (`path`, `resolved_revision`), the sampled dataset file, its sha256 and where it
    was sampled from (the hub revision as requested, empty for the default branch, and the commit
    it resolved to, empty for a local source), the workflow checkout (for its commit in the
    provenance), for a cell split to fit the cluster's time limit, the `shard` this job
    measures (its repetitions over a range of the samples; None: the whole cell), and the
    deployment `scenario` it is measured in (`protocol` holds its settings)."""

    task: str
    runner_settings: dict[str, Any]
    model: ModelSpec
    model_manifest: dict[str, Any]
    dataset: DatasetSpec
    samples_path: Path
    dataset_sha256: str
    dataset_revision: str
    dataset_commit: str
    protocol: Protocol
    workflow_dir: Path
    shard: Shard | None = None
    scenario: str = DEFAULT_SCENARIO


@dataclass
class CellResult:
    """A cell's rows as plain data: one measurement row per repetition and window (or one
    failure row), CodeCarbon's own rows (its CSV text, with the repetition), and one
    prediction per sample."""

    rows: list[dict[str, Any]]
    codecarbon_rows: list[dict[str, Any]] = field(default_factory=list)
    predictions: list[dict[str, Any]] = field(default_factory=list)


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
        raise ModelLoadError(
            f"model {model.id!r}: cannot load from {str(model_dir)!r}: {error}"
            + load_failure_hint(error)
        ) from error


def load_failure_hint(error: BaseException) -> str:
    """What to do about a load failure, where the error says ("; ..."), else "". The
    libraries' own advice is not always the fix: an architecture transformers no longer has
    (DETA, removed in transformers 5) is not loaded by upgrading it."""
    text = str(error)
    if "trust_remote_code" in text:
        return (
            "; it ships its own Python code: if you trust it, set trust_remote_code: true on "
            "its entry in the config"
        )
    if "does not recognize this architecture" in text:
        import transformers

        return (
            f"; the installed transformers ({transformers.__version__}) does not have this "
            "architecture, and upgrading will not add one it removed (DETA left in 5.0): "
            "measure it with a transformers that has it, or remove the model"
        )
    return ""


# How a repetition's meter is made: EnergyMeter, or a stand-in that returns given readings.
MeterFactory = Callable[..., EnergyMeter]


class SampleError(RuntimeError):
    """The model failed on a sample (an input it cannot take): the cell's failure, naming the
    sample, so that the study goes on."""


def run_inferences(
    runner: TaskRunner, samples: Sequence[dict[str, Any]], batch_size: int
) -> list[Prediction]:
    """The runner's predictions for `samples`, `batch_size` at a time. Raises SampleError naming
    the batch's samples (index and a preview of each) where the model fails on them; a GPU out
    of memory propagates as itself."""
    predictions: list[Prediction] = []
    for batch in batches(samples, batch_size):
        try:
            predictions.extend(runner.infer(batch))
        except torch.OutOfMemoryError:
            raise
        except Exception as error:
            named = "; ".join(
                f"sample {s.get('sample_index', '?')} ({str(s.get('text', ''))[:40]!r})"
                for s in batch
            )
            raise SampleError(
                f"the model failed on {named}: {type(error).__name__}: {error}"
            ) from error
    return predictions


# Failures that belong to the model or its scenario: it does not load (nor with the scenario's
# attention implementation), does not fit the GPU at this batch size, cannot take a sample, or
# the job's device cannot compute in the scenario's dtype. They are the cell's result
# (recorded, reported in missing_cells.csv) so that the study completes; anything else (a
# broken tracker, a killed job) fails the job, to be retried.
MODEL_FAILURES = (ModelLoadError, torch.OutOfMemoryError, SampleError, UnsupportedDtypeError)


def measure_repetition(
    job: CellJob,
    runner: TaskRunner,
    samples: Sequence[dict[str, Any]],
    warmup: Sequence[dict[str, Any]],
    device: torch.device,
    run_dir: Path,
    meter_factory: MeterFactory = EnergyMeter,
) -> tuple[EnergyMeter, list[Prediction], dict[str, Any]]:
    """One meter run: load the model (window `load`), warm up unmeasured, then run every
    sample (window `query`); the model is dropped afterwards so the next run loads it anew.
    Also returns what the loaded model is (parameter count, architecture kind)."""
    protocol, model_dir = job.protocol, Path(job.model_manifest["path"])
    with meter_factory(
        run_dir,
        project_name=job.model.id,
        carbon_intensity=protocol.carbon_intensity,
        measure_power_secs=protocol.measure_power_secs,
        gpu_ids=tracked_gpu_ids(device),
        synchronize=synchronizer(device),
    ) as meter:
        with meter.window("load"), naming_the_model(job.model, model_dir):
            runner.load(model_dir, device, DTYPES[protocol.dtype])
        loaded = runner.describe_model()
        run_inferences(runner, warmup, protocol.batch_size)
        with meter.window("query"):
            predictions = run_inferences(runner, samples, protocol.batch_size)
    runner.unload()
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return meter, predictions, loaded


def run_context(job: CellJob, device: torch.device) -> dict[str, Any]:
    """The columns every row of the cell carries: what was measured, how, on what."""
    model, protocol = job.model, job.protocol
    return {
        "model_source": model.source,
        # The repository fetched (a moved model's label stays the paper's id); empty if none.
        "model_repo": job.model_manifest.get("repo"),
        "model_revision": job.model_manifest["resolved_revision"],
        # A tiny model's weights are its random initialisation (powerhungry.models.tiny).
        "model_weights": "random" if model.source == "tiny" else model.weights,
        # Random weights never stop generating by themselves: lengths are forced to the maximum.
        "generation_length_forced": model.weights == "random",
        "dataset_source": job.dataset.source,
        DATASET_SUBSTITUTE: job.dataset.read_instead,
        "dataset_revision": job.dataset_revision,
        "dataset_commit": job.dataset_commit,
        "dataset_sha256": job.dataset_sha256,
        "batch_size": protocol.batch_size,
        "dtype": protocol.dtype,
        "attention": protocol.attention,
        "warmup_inferences": protocol.warmup_inferences,
        "measure_power_secs": protocol.measure_power_secs,
        "carbon_intensity_setting": str(protocol.carbon_intensity),
        **provenance.collect(device, job.workflow_dir),
    }


def warm_up_meter(meter_factory: MeterFactory, device: torch.device) -> None:
    """Start and stop one unrecorded meter run: CodeCarbon detects the hardware on its first
    start in a process (seconds: cpuinfo, the CPU power table), which is then not paid while
    holding the measurement lease."""
    meter = meter_factory(
        None,
        project_name="warm-up",
        gpu_ids=tracked_gpu_ids(device),
        synchronize=synchronizer(device),
    )
    meter.start()
    meter.stop()


def run_cell(
    job: CellJob,
    meter_factory: MeterFactory = EnergyMeter,
    finished: CellResult | None = None,
    on_repetition: Callable[[CellResult], None] | None = None,
) -> CellResult:
    """Run the repetitions the protocol asks for (`enough_repetitions`) and return the rows.

    `finished`: repetitions an earlier, interrupted attempt completed (a checkpoint); they are
    kept as they were measured and counted (also by adaptive stopping), and measuring goes on
    from the next one. `on_repetition` is called with the result so far after each repetition.

    Everything that costs time but is not measured (the runner, the model's code, the samples,
    the provenance, CodeCarbon's hardware detection) happens before the measurement lease is
    taken (`measuring_alone`), with the garbage collector off; what it leaves is then frozen
    (`long_lived_setup`: meant for one cell per process, as the workflow runs it). Writes
    nothing itself (CodeCarbon's own CSVs are read back from a scratch folder). Raises
    ModelLoadError or torch.OutOfMemoryError (the model's failures, see
    `measure_or_record_failure`), RuntimeError for a device or dtype the job cannot use, and
    MeasurementError for a meter that measured nothing.
    """
    # Progress bars would be drawn, and paid for, inside the measured load window.
    transformers.utils.logging.disable_progress_bar()
    device = resolve_device(job.protocol.device)
    check_dtype(device, job.protocol.dtype)
    with long_lived_setup():
        samples = read_samples(job.samples_path)
        if job.shard is not None:
            samples = samples[job.shard.sample_start : job.shard.sample_stop]
        warmup = list(islice(cycle(samples), job.protocol.warmup_inferences))
        runner = make_runner(job.task, job.model.kind, deployed_settings(job))
        with naming_the_model(job.model, Path(job.model_manifest["path"])):
            runner.import_code(Path(job.model_manifest["path"]))
        context = run_context(job, device)
        warm_up_meter(meter_factory, device)
    result = CellResult(
        rows=list(finished.rows) if finished else [],
        codecarbon_rows=list(finished.codecarbon_rows) if finished else [],
        predictions=list(finished.predictions) if finished else [],
    )
    query_energies = [row["energy_kwh"] for row in result.rows if row["phase"] == "query"]
    first = job.shard.first_repetition if job.shard is not None else 0
    shard_columns = (
        {
            "shard": job.shard.index,
            "sample_start": job.shard.sample_start,
            "sample_stop": job.shard.sample_stop,
        }
        if job.shard is not None
        else {}
    )

    def more() -> bool:
        if job.shard is not None:  # a shard's repetitions are fixed: stopping needs them all
            return first + len(query_energies) < job.shard.stop_repetition
        return not enough_repetitions(query_energies, job.protocol)

    # The job's own baseline, before its first load (none if an earlier attempt finished all).
    idle = (
        job_idle_baseline(job.protocol.idle_seconds, device, job.protocol.carbon_intensity)
        if more()
        else {}
    )
    with (
        measuring_alone(device.type),
        tempfile.TemporaryDirectory(prefix="powerhungry-codecarbon-") as scratch,
    ):
        while more():
            repetition = first + len(query_energies)
            started_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            run_dir = Path(scratch) / f"repetition-{repetition}"
            meter, predictions, loaded = measure_repetition(
                job, runner, samples, warmup, device, run_dir, meter_factory
            )
            ended_at = datetime.now(UTC).isoformat(timespec="milliseconds")
            result.rows += [
                {
                    **cell_key(job),
                    "phase": window.phase,
                    "repetition": repetition,
                    # A load runs no inference; the query all of the (shard's) samples.
                    "n_inferences": len(samples) if window.phase == "query" else 0,
                    **loaded,
                    **asdict(window),
                    **idle,
                    "gpu_energy_above_idle_kwh": above_idle_kwh(window, idle["gpu_idle_power_w"]),
                    "carbon_intensity_g_per_kwh": window.emissions_kg / window.energy_kwh * 1000,
                    "started_at": started_at,
                    "ended_at": ended_at,
                    **shard_columns,
                    **context,
                }
                for window in meter.results
            ]
            result.codecarbon_rows += [
                {**row, "repetition": repetition, **shard_columns}
                for raw in meter.raw_csv_files()
                for row in read_csv_rows(raw)
            ]
            query_energies += [w.energy_kwh for w in meter.results if w.phase == "query"]
            result.predictions = [
                {"sample_index": sample["sample_index"], **asdict(prediction)}
                for sample, prediction in zip(samples, predictions, strict=True)
            ]
            if on_repetition is not None:
                on_repetition(result)
    return result


def deployed_settings(job: CellJob) -> dict[str, Any]:
    """The cell's runner settings with its scenario's attention implementation (under
    transformers' name, tasks.base.ATTENTION), where the scenario names one."""
    if job.protocol.attention is None:
        return job.runner_settings
    return {**job.runner_settings, ATTENTION: job.protocol.attention}


def fingerprint(job: CellJob) -> str:
    """sha256 of everything that decides the cell's measurement (the job's specs, the prepared
    model, the samples' checksum): a checkpoint is resumed only by the same job. The idle
    baseline's duration is not one: each job measures its own, and rows record it."""
    spec = asdict(job)
    spec["protocol"].pop("idle_seconds")
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def cell_key(job: CellJob) -> dict[str, str]:
    """The columns that name the cell, in a measurement row's order."""
    return {
        SCENARIO: job.scenario,
        "task": job.task,
        "model": job.model.id,
        "model_kind": job.model.kind,
        "dataset": job.dataset.id,
    }


def failed_cell(job: CellJob, error: BaseException) -> CellResult:
    """One row saying which cell failed, why, where and when; no energy, no predictions."""
    row = {
        **cell_key(job),
        DATASET_SUBSTITUTE: job.dataset.read_instead,
        "phase": FAILED_PHASE,
        "repetition": 0,
        **dict.fromkeys(ENERGY_COLUMNS),
        "n_inferences": 0,
        "error": f"{type(error).__name__}: {error}",
        "ended_at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "batch_size": job.protocol.batch_size,
        "dtype": job.protocol.dtype,
        "attention": job.protocol.attention,
        **provenance.collect(resolve_device(job.protocol.device), job.workflow_dir),
    }
    return CellResult(rows=[row])


def measure_cell(
    job: CellJob, outputs: CellOutputs, meter_factory: MeterFactory = EnergyMeter
) -> CellResult:
    """`run_cell`, then its three files; a cell that raises writes none of them. Each finished
    repetition is saved in the cell's checkpoint (`CellOutputs.checkpoint`) as it ends, so an
    attempt killed by a time limit, preemption or a node failure is resumed by the next from
    the repetition it was in (that one measured again from its start); the checkpoint goes once
    the files are written."""
    key = fingerprint(job)
    saved = read_checkpoint(outputs.checkpoint, key)
    if saved is not None:
        done = len({row["repetition"] for row in saved["rows"]})
        print(f"resuming from {outputs.checkpoint}: {done} repetitions already measured")

    def save(result: CellResult) -> None:
        write_checkpoint(
            outputs.checkpoint, key, result.rows, result.codecarbon_rows, result.predictions
        )

    result = run_cell(job, meter_factory, CellResult(**saved) if saved else None, save)
    write_cell(outputs, result.rows, result.codecarbon_rows, result.predictions)
    outputs.checkpoint.unlink(missing_ok=True)
    return result


def measure_or_record_failure(
    job: CellJob, outputs: CellOutputs, meter_factory: MeterFactory = EnergyMeter
) -> CellResult:
    """`measure_cell`, or, if the model fails (MODEL_FAILURES), the cell's failure record in
    its outputs; any other error propagates and writes nothing."""
    try:
        return measure_cell(job, outputs, meter_factory)
    except MODEL_FAILURES as error:
        print(f"cell failed, recorded as such: {type(error).__name__}: {error}")
        result = failed_cell(job, error)
        write_cell(outputs, result.rows, [], [])
        outputs.checkpoint.unlink(missing_ok=True)  # the failure is the cell's result
        return result
