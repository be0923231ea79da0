"""What each cell of a study will cost before it runs: GPU time, an upper bound of its GPU
energy, host and GPU memory, and the model's download.

Each estimate has a basis, best first:

- `measured`: this project's own rows for the cell (results/measurements/...), on the device
  type the protocol plans for;
- `paper`: the paper's logs for the same model and dataset (`paper_logs`), scaled to the GPU
  class (`gpu_classes.time_scale`) and to the cell's generation lengths and diffusion steps
  (`workload`);
- `paper_fit`: a least-squares line through the paper's cells of the same task and kind of
  model, durations against parameter count, at this model's size, scaled likewise;
- empty: nothing to estimate from (a cell the paper did not log, whose model's size is not
  known yet): the quantities stay empty, never zero, and the job asks for the cap.

Estimates plan jobs; they are never results. Nothing here enters a measurement table.
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, fields
from functools import cache
from pathlib import Path
from statistics import StatisticsError, fmean, linear_regression

from powerhungry.models.prepare import manifest_path
from powerhungry.plan.gpu_classes import GpuClass, time_scale
from powerhungry.plan.paper_logs import LoggedCell, logged_cells
from powerhungry.plan.shards import (
    JOB_OVERHEAD_S,
    Shard,
    ShardingError,
    cap_seconds,
    hours_text,
    split_cell,
)
from powerhungry.plan.workload import Workload, workload
from powerhungry.scenarios import Scenario
from powerhungry.study import Cell, ModelSpec, Protocol, Study
from powerhungry.units import JOULES_PER_KWH

# Bytes per parameter of the protocol's dtypes.
DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
# Host memory (GB): the process with torch, CUDA, transformers and the samples, before weights.
HOST_BASE_GB = 4.0
# Host memory per GB of weights in memory: loading holds a state dict beside the model.
HOST_PER_WEIGHT_GB = 1.5
# GPU memory (GB): the CUDA context and the activations of batch-size-1 inference.
GPU_BASE_GB = 1.5
GPU_PER_WEIGHT_GB = 1.2
# Weight files a prepared model's folder holds (what it occupies, so what it downloaded).
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt")


@dataclass(frozen=True)
class ModelSize:
    """What a model weighs: `parameters` (exact, from the paper's models.csv) and/or
    `weights_bytes` (B on disk: the prepared model's weight files, or preflight's download
    size); `basis` names where they come from."""

    parameters: int | None
    weights_bytes: int | None
    basis: str

    def parameters_bound(self) -> float | None:
        """The parameter count, or an upper bound from the bytes (2 bytes per parameter: the
        smallest dtype checkpoints are stored in)."""
        if self.parameters is not None:
            return float(self.parameters)
        return None if self.weights_bytes is None else self.weights_bytes / 2

    def in_memory_gb(self, dtype: str) -> float | None:
        """GB the weights take once loaded in `dtype` (an upper bound where only bytes are
        known)."""
        bound = self.parameters_bound()
        return None if bound is None else bound * DTYPE_BYTES[dtype] / 1e9


@dataclass(frozen=True)
class Rates:
    """Per-repetition durations (s) a cell's estimate is built from, and its basis; for a
    measured cell also its GPU energy (kWh) per load and per inference."""

    load_s: float
    query_s_per_inference: float
    basis: str
    load_gpu_kwh: float | None = None
    query_gpu_kwh_per_inference: float | None = None


@dataclass(frozen=True)
class CellEstimate:
    """One row of plan.csv: a cell and what it is expected to cost on the planned GPU class.
    `jobs` (1, or the shards of a cell too long for one job), `gpu_hours` (h, each job's
    start-up included), `gpu_energy_kwh` (kWh: measured rates, else GPU time at the board's
    power, an upper bound), `host_memory_gb` and `gpu_memory_gb` (GB), `model_download_gb` (GB,
    the model's, shared by its cells), the rates they come from (`load_s` per repetition,
    `query_s_per_inference`, s), `basis` (see the module), and `problem` (why the cell cannot
    run as planned, with the fix; empty if none), `workload` (how the paper's query time was
    scaled to the cell's settings, `workload.Workload.note`), and `min_job_hours` (h: the shortest
    max_job_hours the cell can be split for, where the configured one is shorter). Unknown
    quantities are None."""

    scenario: str
    task: str
    model_kind: str
    model: str
    dataset: str
    repetitions: int
    inferences: int
    jobs: int
    gpu_hours: float | None
    gpu_energy_kwh: float | None
    host_memory_gb: float | None
    gpu_memory_gb: float | None
    model_download_gb: float | None
    load_s: float | None
    query_s_per_inference: float | None
    basis: str
    workload: str = ""
    problem: str = ""
    min_job_hours: float | None = None


PLAN_COLUMNS = [f.name for f in fields(CellEstimate)]


@dataclass(frozen=True)
class PlanSettings:
    """The config's `plan`: the GPU class jobs run on, the longest job a cluster allows
    (`max_job_hours`, h) and the factor job requests add to an estimate; and what every
    measurement job spends before its first repetition (`startup_s`, s: `JOB_OVERHEAD_S` and
    the protocol's idle baseline, `idle_seconds`)."""

    gpu: GpuClass
    max_job_hours: float
    safety_factor: float
    startup_s: float = JOB_OVERHEAD_S


def model_size(model: ModelSpec, cache_dir: Path, downloads: Mapping[str, int]) -> ModelSize:
    """The model's size: its prepared folder's weight files where it is prepared (with the
    paper's parameter count if it has one), else the paper's count, else its download size as
    preflight found it (`downloads`, `preflight_downloads`); ModelSize(None, None, "") if none
    is known."""
    parameters = _paper_parameters().get(model.id)
    on_disk = _prepared_weights_bytes(cache_dir, model)
    if on_disk is not None:
        return ModelSize(parameters, on_disk, "prepared")
    if parameters is not None:
        return ModelSize(parameters, None, "paper")
    if model.id in downloads:
        return ModelSize(None, downloads[model.id], "preflight")
    return ModelSize(None, None, "")


@cache
def _paper_parameters() -> dict[str, int]:
    return {key[2]: cell.parameters for key, cell in logged_cells().items() if cell.parameters}


def _prepared_weights_bytes(cache_dir: Path, model: ModelSpec) -> int | None:
    manifest = manifest_path(cache_dir, model)
    if not manifest.is_file():
        return None
    folder = Path(json.loads(manifest.read_text())["path"])
    if not folder.is_dir():
        return None
    return sum(
        path.stat().st_size
        for path in folder.rglob("*")
        if path.suffix in WEIGHT_SUFFIXES and path.is_file()
    )


def preflight_downloads(table: Path) -> dict[str, int]:
    """Each model's download size (B) from a preflight table (results/preflight.csv), where
    preflight found one; {} without the table."""
    if not table.is_file():
        return {}
    with table.open(newline="") as handle:
        return {
            row["id"]: int(row["download_bytes"])
            for row in csv.DictReader(handle)
            if row["entry"].startswith("models") and row["download_bytes"]
        }


def measured_rates(path: Path, device_type: str) -> Rates | None:
    """A cell's own rates from its measurement file (mean over repetitions), if it holds rows
    measured on `device_type` ("cuda" or "cpu"); None otherwise (absent, failed, other
    device)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    with path.open(newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("device") == device_type]
    load = [r for r in rows if r["phase"] == "load"]
    query = [r for r in rows if r["phase"] == "query" and int(r["n_inferences"] or 0) > 0]
    if not load or not query:
        return None

    def energy(row: Mapping[str, str], per: int = 1) -> float | None:
        value = row.get("gpu_energy_kwh") or ""
        return float(value) / per if value else None

    load_energy = [e for r in load if (e := energy(r)) is not None]
    query_energy = [e for r in query if (e := energy(r, int(r["n_inferences"]))) is not None]
    return Rates(
        load_s=fmean(float(r["duration_s"]) for r in load),
        query_s_per_inference=fmean(float(r["duration_s"]) / int(r["n_inferences"]) for r in query),
        basis="measured",
        load_gpu_kwh=fmean(load_energy) if load_energy and device_type == "cuda" else None,
        query_gpu_kwh_per_inference=(
            fmean(query_energy) if query_energy and device_type == "cuda" else None
        ),
    )


def _fit(points: list[tuple[float, float]], x: float) -> float:
    """The least-squares line through `points` at `x`, never below the smallest point (a
    line can go negative for small models); the largest point if the x are all equal."""
    ys = [y for _, y in points]
    try:
        slope, intercept = linear_regression([p[0] for p in points], ys)
    except StatisticsError:  # fewer than two points, or all at one size
        return max(ys)
    return max(min(ys), intercept + slope * x)


def paper_rates(cell: Cell, size: ModelSize, gpu: GpuClass, work: Workload) -> Rates | None:
    """The paper's rates for the cell, scaled to `gpu` and its query time to the cell's
    workload (`work`): its own logged cell, else the fit of its task and kind of model at its
    size; None if neither applies."""
    logged = logged_cells()
    scale = time_scale(gpu)
    query_scale = scale * work.scale
    own = logged.get((cell.task, cell.model.kind, cell.model.id, cell.dataset.id))
    if own is not None:
        return Rates(own.load_s * scale, own.query_s_per_inference * query_scale, "paper")
    x = size.parameters_bound()
    if x is None:
        return None
    same: list[LoggedCell] = [
        c
        for key, c in logged.items()
        if key[0] == cell.task and key[1] == cell.model.kind and c.parameters
    ] or [c for key, c in logged.items() if key[0] == cell.task and c.parameters]
    if not same:
        return None
    load = _fit([(float(c.parameters or 0), c.load_s) for c in same], x)
    query = _fit([(float(c.parameters or 0), c.query_s_per_inference) for c in same], x)
    return Rates(load * scale, query * query_scale, "paper_fit")


def estimate_cell(
    cell: Cell,
    study: Study,
    size: ModelSize,
    settings: PlanSettings,
    measured: Rates | None,
    layout: list[Shard] | None = None,
) -> CellEstimate:
    """The cell's estimate (CellEstimate) from its best basis, as the jobs of `layout` (its
    shards, [] for one job; None: as `split_rates` splits it now). Repetitions are the
    protocol's most (max_repetitions where adaptive) for a cell one job holds; a cell measured
    in shards runs exactly `repetitions`: adaptive stopping needs its repetitions in turn."""
    protocol = cell.protocol
    inferences = cell.dataset.samples
    runner = study.runner_settings(cell.task, cell.model, cell.dataset)
    work = workload(cell.task, cell.model.kind, cell.model.id, cell.dataset.id, runner)
    rates = measured or paper_rates(cell, size, settings.gpu, work)
    weights_gb = size.in_memory_gb(protocol.dtype)
    row = {
        "scenario": cell.scenario.name,
        "task": cell.task,
        "model_kind": cell.model.kind,
        "model": cell.model.id,
        "dataset": cell.dataset.id,
        "inferences": inferences,
        "host_memory_gb": None
        if weights_gb is None
        else HOST_BASE_GB + HOST_PER_WEIGHT_GB * weights_gb,
        "gpu_memory_gb": None
        if weights_gb is None
        else GPU_BASE_GB + GPU_PER_WEIGHT_GB * weights_gb,
        "model_download_gb": _download_gb(cell.model, size),
    }
    if rates is None:
        return CellEstimate(
            **row,
            repetitions=protocol.max_repetitions or protocol.repetitions,
            jobs=1,
            gpu_hours=None,
            gpu_energy_kwh=None,
            load_s=None,
            query_s_per_inference=None,
            basis="",
        )
    problems = []
    min_job_hours = None
    try:
        shards = split_rates(rates, inferences, protocol, settings) if layout is None else layout
    except ShardingError as error:
        problems.append(str(error))
        min_job_hours = error.smallest_hours
        shards = []
    startup_s = settings.startup_s
    repetitions = (
        protocol.repetitions if shards else (protocol.max_repetitions or protocol.repetitions)
    )
    per_repetition_s = rates.load_s + rates.query_s_per_inference * (
        inferences + protocol.warmup_inferences
    )
    if shards:
        seconds = sum(
            shard.seconds(
                rates.load_s, rates.query_s_per_inference, protocol.warmup_inferences, startup_s
            )
            for shard in shards
        )
    else:
        seconds = startup_s + repetitions * per_repetition_s
    if rates.load_gpu_kwh is not None and rates.query_gpu_kwh_per_inference is not None:
        energy = repetitions * (rates.load_gpu_kwh + rates.query_gpu_kwh_per_inference * inferences)
    else:
        energy = (
            (seconds - startup_s * max(1, len(shards)))
            * settings.gpu.board_power_w
            / JOULES_PER_KWH
        )
    longest = (
        None if layout is None else _longest_job_s(layout, rates, inferences, protocol, settings)
    )
    if longest is not None:
        files = cell.result_path("measurements", ".csv")
        if layout:
            files += ", " + cell.result_path("shards", "/")
        problems.append(
            f"its jobs, kept as they were measured, include one of ~{longest / 3600:.1f} h "
            f"(x safety_factor {settings.safety_factor:g}, a retry too for a shard of part of "
            f"the samples), over plan.max_job_hours {settings.max_job_hours:g}: measuring it "
            f"again that way cannot finish; delete its files ({files}) to plan it anew"
        )
    if row["gpu_memory_gb"] is not None and row["gpu_memory_gb"] > settings.gpu.memory_gb:
        fix = "use protocol.dtype float16 or " if protocol.dtype == "float32" else "use "
        problems.append(
            f"needs ~{row['gpu_memory_gb']:.0f} GB of GPU memory, over the "
            f"{settings.gpu.memory_gb:g} GB of a {settings.gpu.name}: {fix}a larger GPU class"
        )
    return CellEstimate(
        **row,
        repetitions=repetitions,
        jobs=max(1, len(shards)),
        gpu_hours=seconds / 3600,
        gpu_energy_kwh=energy,
        load_s=rates.load_s,
        query_s_per_inference=rates.query_s_per_inference,
        basis=rates.basis,
        workload="" if measured else work.note,
        problem="; ".join(problems),
        min_job_hours=min_job_hours,
    )


def _longest_job_s(
    layout: list[Shard], rates: Rates, inferences: int, protocol: Protocol, settings: PlanSettings
) -> float | None:
    """The longest of a cell's jobs as kept (`layout`, [] for one whole job) where it, times
    safety_factor (and twice that for a shard of part of the samples, for its retry), exceeds
    the cap (s); None where all fit."""
    if layout:
        jobs = [
            shard.seconds(
                rates.load_s,
                rates.query_s_per_inference,
                protocol.warmup_inferences,
                settings.startup_s,
            )
            * (2 if shard.splits_samples(inferences) else 1)
            for shard in layout
        ]
    else:
        repetitions = protocol.max_repetitions or protocol.repetitions
        per_repetition = rates.load_s + rates.query_s_per_inference * (
            inferences + protocol.warmup_inferences
        )
        jobs = [settings.startup_s + repetitions * per_repetition]
    longest = max(jobs) * settings.safety_factor
    return longest if longest > cap_seconds(settings.max_job_hours) else None


def split_rates(
    rates: Rates, inferences: int, protocol: Protocol, settings: PlanSettings
) -> list[Shard]:
    """`split_cell` at these rates: [] when one job holds the cell at the protocol's most
    repetitions, else shards of exactly `repetitions` (adaptive stopping needs its repetitions
    in one job): one shard of them all where they fit one job. Raises ShardingError."""

    def split(repetitions: int) -> list[Shard]:
        return split_cell(
            repetitions,
            inferences,
            protocol.warmup_inferences,
            rates.load_s,
            rates.query_s_per_inference,
            settings.max_job_hours,
            settings.safety_factor,
            settings.startup_s,
            protocol.batch_size,
        )

    if not split(protocol.max_repetitions or protocol.repetitions):
        return []
    return split(protocol.repetitions) or [Shard(0, 0, protocol.repetitions, 0, inferences)]


def cell_shards(estimate: CellEstimate, cell: Cell, settings: PlanSettings) -> list[Shard]:
    """The shards of `cell`, whose estimate `estimate` is ([]: one job holds it, or it has no
    estimate); raises ShardingError."""
    if estimate.load_s is None or estimate.query_s_per_inference is None:
        return []
    rates = Rates(estimate.load_s, estimate.query_s_per_inference, estimate.basis)
    return split_rates(rates, estimate.inferences, cell.protocol, settings)


def _download_gb(model: ModelSpec, size: ModelSize) -> float | None:
    """GB a hub model's preparation downloads: what its folder holds once prepared, else the
    paper's parameter count in float32 (the dtype its checkpoints were published in, mostly);
    0 for a tiny or local model; None if unknown."""
    if model.source != "hub":
        return 0.0
    if size.weights_bytes is not None:
        return size.weights_bytes / 1e9
    return None if size.parameters is None else size.parameters * 4 / 1e9


def plan_cell(
    cell: Cell,
    study: Study,
    settings: PlanSettings,
    downloads: Mapping[str, int],
    own_rows: bool = True,
    layout: list[Shard] | None = None,
) -> CellEstimate:
    """One cell's estimate from what is known now: its own measurement rows on the planned
    device type (unless not `own_rows`), its model's size (prepared folder, paper, preflight
    `downloads`), the paper's logs; as the jobs of `layout` (see `estimate_cell`). Relative
    paths: run in the workflow's folder."""
    device = "cpu" if study.protocol.device == "cpu" else "cuda"
    path = Path(cell.result_path("measurements", ".csv"))
    measured = measured_rates(path, device) if own_rows else None
    size = model_size(cell.model, Path(study.cache_dir), downloads)
    return estimate_cell(cell, study, size, settings, measured, layout)


def totals(
    rows: Iterable[CellEstimate], by: str = "task"
) -> dict[str, dict[str, float | int | None]]:
    """Per task (or per value of another CellEstimate field, `by`: "scenario") and for the
    whole study ("all", last): cells, measurement jobs, cells without
    an estimate (`unknown`), GPU hours, GPU energy (kWh), the largest host and GPU memory (GB)
    and the download (GB, each model once). A sum over cells some of which are unknown is the
    sum of the known, with the count of unknown beside it; None where none is known."""
    groups: dict[str, list[CellEstimate]] = defaultdict(list)
    for row in rows:
        groups[getattr(row, by)].append(row)
    groups["all"] = [row for members in list(groups.values()) for row in members]
    result = {}
    for task, members in groups.items():
        downloads = {r.model: r.model_download_gb for r in members}
        known = [r for r in members if r.gpu_hours is not None]
        host = [r.host_memory_gb for r in members if r.host_memory_gb is not None]
        gpu = [r.gpu_memory_gb for r in members if r.gpu_memory_gb is not None]
        result[task] = {
            "cells": len(members),
            "jobs": sum(r.jobs for r in members),
            "unknown": len(members) - len(known),
            "gpu_hours": sum(r.gpu_hours or 0.0 for r in known) if known else None,
            "gpu_energy_kwh": sum(r.gpu_energy_kwh or 0.0 for r in known) if known else None,
            "host_memory_gb": max(host, default=None),
            "gpu_memory_gb": max(gpu, default=None),
            "download_gb": sum(v for v in downloads.values() if v is not None),
        }
    return result


def summary(rows: list[CellEstimate], settings: PlanSettings, scenarios: list[Scenario]) -> str:
    """What a person reads before submitting: per task and for the study, cells, GPU hours,
    GPU energy, the largest memory and the download, on the planned GPU class (and per
    deployment scenario, where the study has several: `scenarios`, the default first); then
    what the estimates assume where the study differs from the paper, and the cells that
    cannot run as planned, each with its problem."""
    protocol = scenarios[0].protocol  # how every scenario is measured
    lines = [
        f"plan on {settings.gpu.name} (max_job_hours {settings.max_job_hours:g}, "
        f"safety_factor {settings.safety_factor:g}); GPU energy is an upper bound (board power) "
        "where the cell was not measured here; host GB and GPU GB: the largest cell's",
        f"{'task':<26}{'cells':>7}{'jobs':>9}{'GPU h':>12}{'GPU kWh':>12}{'host GB':>9}"
        f"{'GPU GB':>8}{'download GB':>13}",
    ]
    groupings = {"task": totals(rows)}
    if len(scenarios) > 1:  # then also what each deployment scenario adds
        groupings["scenario"] = totals(rows, by="scenario")
    for by, grouping in groupings.items():
        if by != "task":
            lines.append(f"{by:<26}" + "".join(f"{'':>{w}}" for w in (7, 9, 12, 12, 9, 8, 13)))
        for name, t in grouping.items():
            unknown = f"  ({t['unknown']} without estimate)" if t["unknown"] else ""
            lines.append(
                f"{name:<26}{t['cells']:>7} {t['jobs']:>8}{_number(t['gpu_hours'], 12)}"
                f"{_number(t['gpu_energy_kwh'], 12)}{_number(t['host_memory_gb'], 9)}"
                f"{_number(t['gpu_memory_gb'], 8)}{_number(t['download_gb'], 13)}" + unknown
            )
    if unknown_cells := sum(r.gpu_hours is None for r in rows):
        lines.append(
            f"{_cells(unknown_cells)} no estimate (not in the paper's logs, their model's size "
            "not known yet): their jobs ask for max_job_hours and 32 GB; prepare their models "
            "first (snakemake --until prepare_model) or measure one repetition, then plan again"
        )
    if protocol.max_repetitions and (
        fixed := [
            r for r in rows if r.load_s is not None and r.repetitions < protocol.max_repetitions
        ]
    ):
        hours = max(
            _whole_job_hours(r, protocol.max_repetitions, protocol, settings) for r in fixed
        )
        per_task = Counter(r.task for r in fixed)
        lines.append(
            f"{_cells(len(fixed), 'do')} not fit max_repetitions {protocol.max_repetitions} in "
            f"one job of max_job_hours {settings.max_job_hours:g} and run exactly repetitions "
            f"{protocol.repetitions}, without adaptive stopping ("
            + ", ".join(f"{n} {task}" for task, n in per_task.most_common())
            + f"; plan.csv column repetitions): max_job_hours {hours_text(hours)} keeps it for all"
        )
    if split := [r for r in rows if r.jobs > 1]:
        lines.append(
            f"{_cells(len(split), 'run')} in shards, {sum(r.jobs for r in split)} jobs of at "
            f"most max_job_hours {settings.max_job_hours:g}, {split[0].repetitions} repetitions "
            "each (too long for one job, or measured in shards before)"
        )
    if scaled := [r for r in rows if "/" in r.workload]:
        lines.append(
            f"{len(scaled)} {'cells' if len(scaled) > 1 else 'cell'}' query times are the "
            "paper's scaled to their generation "
            "lengths or diffusion steps (plan.csv column workload)"
        )
    if unscaled := [r for r in rows if "not scaled" in r.workload]:
        lines.append(
            f"{_cells(len(unscaled))} settings the paper's times cannot be scaled to, kept "
            f"at the paper's (e.g. {unscaled[0].model} {unscaled[0].dataset}: "
            f"{unscaled[0].workload})"
        )
    unmeasured = {r.scenario for r in rows if r.basis != "measured"}
    if off_paper := [
        f"{s.name} (batch_size {s.protocol.batch_size}, dtype {s.protocol.dtype})"
        for s in scenarios
        if (s.protocol.batch_size, s.protocol.dtype) != (1, "float32") and s.name in unmeasured
    ]:
        lines.append(
            f"{'; '.join(off_paper)}: the cells not measured here yet are estimated at the "
            "paper's batch size 1 in float32, usually an upper bound of their time"
        )
    if protocol.device == "cpu" and any(r.basis != "measured" for r in rows):
        lines.append(
            "the protocol measures on the CPU: the cells not measured here yet are estimated "
            f"for a {settings.gpu.name} and do not describe its jobs"
        )
    if unsized := sorted({r.model for r in rows if r.model_download_gb is None}):
        lines.append(
            f"download: {len(unsized)} models of unknown size are not counted "
            "(`powerhungry preflight` gives their sizes)"
        )
    if too_short := [r for r in rows if r.min_job_hours is not None]:
        lines.append(
            f"{_cells(len(too_short), 'can')}not be split into jobs of plan.max_job_hours "
            f"{settings.max_job_hours:g} (each job's start-up is {settings.startup_s:g} s, "
            f"protocol.idle_seconds {protocol.idle_seconds:g} s of it): raise it to at least "
            f"{hours_text(max(r.min_job_hours or 0 for r in too_short))}"
        )
    problems = [r for r in rows if r.problem and r.min_job_hours is None]
    if problems:
        lines.append(f"{_cells(len(problems), 'can')}not run as planned:")
        lines += [f"  {r.task} {r.model} {r.dataset}: {r.problem}" for r in problems]
    return "\n".join(lines)


def _cells(count: int, verb: str = "have") -> str:
    """ "1 cell has", "2 cells have" (and "do", "run", "can": "does", "runs", "can")."""
    singular = {"have": "has", "do": "does", "run": "runs", "can": "can"}[verb]
    return f"1 cell {singular}" if count == 1 else f"{count} cells {verb}"


def _whole_job_hours(
    row: CellEstimate, repetitions: int, protocol: Protocol, settings: PlanSettings
) -> float:
    """The max_job_hours (h, whole minutes, rounded up) one job of `repetitions` of the row's
    cell needs."""
    assert row.load_s is not None and row.query_s_per_inference is not None
    per_repetition = row.load_s + row.query_s_per_inference * (
        row.inferences + protocol.warmup_inferences
    )
    seconds = (settings.startup_s + repetitions * per_repetition) * settings.safety_factor
    return math.ceil(seconds / 60) / 60


def _number(value: float | None, width: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.1f}"


def write_plan(rows: Iterable[CellEstimate], path: Path) -> None:
    """plan.csv: one row per cell (PLAN_COLUMNS); an unknown quantity is an empty cell."""
    from powerhungry.files import write_csv

    write_csv(path, [asdict(row) for row in rows])


def job_resources(
    seconds: float | None, host_memory_gb: float | None, settings: PlanSettings, attempt: int
) -> dict[str, int]:
    """A measurement job's `runtime` (min) and `mem_mb` (MB) for its estimated duration (s)
    and host memory (GB): times the safety factor and the attempt (a retry asks for more), the
    runtime never over max_job_hours; without an estimate, the cap and 32 GB per attempt."""
    cap_min = math.floor(cap_seconds(settings.max_job_hours) / 60)
    factor = settings.safety_factor * attempt
    runtime = cap_min if seconds is None else min(cap_min, math.ceil(seconds / 60 * factor))
    if host_memory_gb is None:
        mem_mb = 32000 * attempt
    else:
        mem_mb = math.ceil(host_memory_gb * 1000 * factor)
    return {"runtime": runtime, "mem_mb": mem_mb}
