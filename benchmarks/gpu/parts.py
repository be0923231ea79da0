"""The parts of the GPU validation kit, one per process: `python parts.py PART --work W --out O`.

Each part writes its result to W/parts/PART.json: {"status": "ok" | "failed" | "skipped",
"reason": ..., "figures": {...}, "targets": [...]}. A part that raises leaves no JSON and the kit
(`kit.py`) reports it failed with the end of its log. Figures are what was measured; a target is
{"name", "value", "goal", "met"} and a value that could not be measured is null, never zero.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import pkgutil
import platform
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from typing import Any

from kit import (
    MEASUREMENTS_TABLE,
    finished_cells,
    outcome,
)  # this folder is the script's own, first on sys.path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO / "src"), str(REPO / "benchmarks")]

# What runs where. GPU: one published architecture per task at real size (random weights, real
# tokenizers) on the demo's samples. Dry run: the demo's tiny models, one per task, on 2 samples.
GPU_CONFIGS = ["config/demo.yaml", "config/architectures.yaml"]
GPU_PROTOCOL = {"repetitions": 3, "idle_seconds": 15, "device": "cuda"}
DRY_CONFIGS = ["config/demo.yaml"]
DRY_PROTOCOL = {"repetitions": 2, "idle_seconds": 1, "device": "cpu"}
DRY_SAMPLES = 2
HARNESS = {"gpu": {"rounds": 5, "seconds": 3.0}, "dry": {"rounds": 5, "seconds": 0.2}}
GOAL_OVERHEAD = 0.02  # harness overhead, time and GPU energy (the target)
GOAL_CV = 0.02  # repeatability of query-phase GPU energy (the target)
GOAL_ATTRIBUTION = 0.01  # CodeCarbon vs the NVML counter, same window (this kit's own bar)
# Distributions whose versions the summary records (where they were imported from, too).
PACKAGES = [
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "huggingface_hub",
    "datasets",
    "diffusers",
    "codecarbon",
    "snakemake",
    "snakemake-executor-plugin-slurm",
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "pillow",
    "nvidia-ml-py",
    "rouge-score",
    "seqeval",
]
# Third-party modules the workflow's jobs import, beyond what importing powerhungry pulls in.
MODULES = [
    "snakemake.api",
    "snakemake.persistence",
    "snakemake_executor_plugin_slurm",
    "snakemake_executor_plugin_slurm_jobstep",
    "codecarbon",
    "datasets",
    "diffusers",
    "transformers",
    "rouge_score.rouge_scorer",
    "seqeval.metrics",
    "jsonschema",
    "pygments",
    "pynvml",
]
# What every measurement row records about where it ran; the summary lists the values found.
PROVENANCE = [
    "device",
    "gpu_model",
    "gpu_driver",
    "gpu_energy_source",
    "cuda_visible_devices",
    "codecarbon_gpu_model",
    "codecarbon_gpu_count",
]
# The files of the workflow a run needs; what a checkout or a run leaves beside them is not copied.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "results", "logs", "cache", "wheels", "__pycache__", ".*_cache"
)


def target(name: str, value: float | None, goal: float, note: str | None = None) -> dict[str, Any]:
    """|value| <= goal. An unmeasured value (None, NaN) is reported as such, never as met; with a
    `note` (why the goal does not apply here) the value is shown and `met` is left null."""
    measured = value is not None and not math.isnan(value)
    met = abs(value) <= goal if measured and note is None else None
    return {"name": name, "value": value if measured else None, "goal": goal, "met": met} | (
        {"note": note} if note else {}
    )


def clean(value: Any) -> Any:
    """JSON-safe: NaN becomes null (not measured), numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


# -- parts -----------------------------------------------------------------------------------


def part_config(args: argparse.Namespace) -> dict[str, Any]:
    """The run's config: the configs above merged as Snakemake merges them, sizes set."""
    import yaml
    from measurement_harness import load_config

    config = load_config([REPO / path for path in (DRY_CONFIGS if args.dry_run else GPU_CONFIGS)])
    config["protocol"].update(DRY_PROTOCOL if args.dry_run else GPU_PROTOCOL)
    if args.dry_run:
        first_per_task: dict[str, dict[str, Any]] = {}
        for model in config["models"]:
            if model["kind"] == "task_specific":
                first_per_task.setdefault(model["task"], model)
        config["models"] = list(first_per_task.values())
        for dataset in config["datasets"]:
            dataset["samples"] = min(dataset["samples"], DRY_SAMPLES)
        config["scenarios"] = []  # the protocol's setting only: no batch fits 2 samples
    config["study"] = "gpu-kit-dry-run" if args.dry_run else "gpu-kit"
    config["cache_dir"] = str(args.work / "cache")
    path = args.work / "run-config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return outcome(
        figures={
            "configs": DRY_CONFIGS if args.dry_run else GPU_CONFIGS,
            "models": [model["id"] for model in config["models"]],
            "protocol": config["protocol"],
        }
    )


def part_environment(args: argparse.Namespace) -> dict[str, Any]:
    """Machine, GPU and package versions, as found (nothing here is a measurement)."""
    import torch

    from powerhungry.measure.provenance import workflow_commit

    figures: dict[str, Any] = {
        "python": platform.python_version(),
        "executable": sys.executable,
        "cpu_count": os.cpu_count(),
        "cuda_available": torch.cuda.is_available(),
        "torch_cuda": torch.version.cuda,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "packages": {name: version_and_origin(name) for name in PACKAGES},
        "workflow_commit": workflow_commit(REPO),
    }
    if shutil.which("nvidia-smi"):
        query = "name,driver_version,memory.total,power.limit,pstate,temperature.gpu,power.draw"
        smi = subprocess.run(
            ["nvidia-smi", f"--query-gpu={query}", "--format=csv"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        figures["nvidia_smi"] = (smi.stdout or smi.stderr).strip().splitlines()
    else:
        figures["nvidia_smi"] = None
    return outcome(figures=figures)


def version_and_origin(name: str) -> str:
    try:
        distribution = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return "not installed"
    return f"{distribution.version} ({distribution.locate_file('')})"


def part_imports(args: argparse.Namespace) -> dict[str, Any]:
    """Import every module of powerhungry and the third-party modules the jobs import."""
    import powerhungry

    modules = [
        info.name for info in pkgutil.walk_packages(powerhungry.__path__, "powerhungry.")
    ] + MODULES
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as error:  # every failure is listed, not only the first
            failures[name] = f"{type(error).__name__}: {error}"
    figures = {"imported": len(modules) - len(failures), "failed": failures}
    if failures:
        return outcome(
            "failed", f"{len(failures)} of {len(modules)} modules fail to import", figures
        )
    return outcome(figures=figures)


def part_workflow(args: argparse.Namespace) -> dict[str, Any]:
    """The real workflow on the run config, in a copy of the workflow; its tables and figures."""
    import pandas as pd

    workdir = args.work / "workflow"
    shutil.rmtree(workdir, ignore_errors=True)
    shutil.copytree(REPO, workdir, ignore=NOT_COPIED)
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--configfile",
        str(args.work / "run-config.yaml"),
        "--replace-workflow-config",
        "--cores",
        str(os.cpu_count() or 1),
        "--resources",
        # One GPU, one measurement. A dry run measures on the CPU, where a job measures only
        # while holding the machine's CPU lease: two in flight, one starting while one measures.
        "gpu=2" if args.dry_run else "gpu=1",
        # The ILP scheduler needs pulp, which the kit does not carry; the order of jobs is all
        # the scheduler decides, never what a job measures.
        "--scheduler",
        "greedy",
        # A job that fails for another reason than its model (recorded as a missing cell) still
        # lets the other cells be measured.
        "--keep-going",
    ]
    print(" ".join(command), flush=True)
    run = subprocess.run(command, cwd=workdir, check=False, capture_output=True, text=True)
    print(run.stdout + run.stderr, flush=True)
    tables = workdir / "results" / "tables"
    if (tables / "measurements.csv").is_file():
        shutil.copy(tables / "measurements.csv", args.out / "measurements.csv")
    cells = finished_cells(args.work)
    if run.returncode != 0:
        errors = [line.strip() for line in run.stderr.splitlines() if "Error in rule" in line]
        return outcome(
            "failed",
            f"snakemake exited {run.returncode}: {'; '.join(errors[:3]) or 'see its output'} "
            "(kit/workflow.log and workflow/ in logs.tar.gz)",
            {"cells_finished": cells},
        )
    rows = pd.read_csv(tables / "measurements.csv")
    measured = rows[rows["phase"] != "failed"]
    provenance = {
        column: sorted(str(v) for v in measured[column].fillna("").unique())
        for column in PROVENANCE
    }
    models = pd.read_csv(tables / "model_summary.csv")
    per_model = models[
        ["task", "model"]
        + [c for c in models.columns if c.endswith("_per_1k")]
        + ["model_parameters", "n_runs"]
    ].to_dict("records")
    on_gpu = "cuda" in provenance["device"]
    for record in per_model:  # no GPU: GPU energy was not measured (the tables say 0 there)
        for metric in [m for m in record if m.startswith("gpu_") and not on_gpu]:
            record[metric] = None
    missing = pd.read_csv(tables / "missing_cells.csv")
    figures = {
        "cells_finished": cells,
        "cells": int(rows.groupby(["task", "model", "dataset"]).ngroups),
        "rows": len(rows),
        "cells_missing": missing[["task", "model", "dataset", "error"]].to_dict("records"),
        "provenance": provenance,
        "kwh_per_1000_inferences": per_model,
    }
    problems = []
    if not missing.empty:
        problems.append(f"{len(missing)} cells failed (see cells_missing)")
    if not args.dry_run:
        unrecorded = [
            c for c in ["gpu_model", "gpu_driver", "cuda_visible_devices"] if "" in provenance[c]
        ]
        if unrecorded:
            problems.append(f"rows without {', '.join(unrecorded)}")
    return outcome("failed" if problems else "ok", "; ".join(problems) or None, figures)


def part_idle(args: argparse.Namespace) -> dict[str, Any]:
    """Each measurement job's own idle baseline (`gpu_idle_power_w` of its rows, W per GPU)
    and the above-idle metric, from the workflow part's measurements."""
    import pandas as pd

    rows = pd.read_csv(args.work / MEASUREMENTS_TABLE)
    query = rows[rows["phase"] == "query"]
    on_gpu = bool(query["gpu_idle_power_w"].notna().any())
    if not on_gpu:  # no GPU was measured: its idle power and above-idle energy are not zeros
        return outcome(
            "ok", "no GPU: idle GPU power and the above-idle metric are not measured", {}
        )
    by_model = query.groupby(["task", "model"])
    figures: dict[str, Any] = {
        "gpu_idle_power_w": {
            f"{task} | {model}": value
            for (task, model), value in by_model["gpu_idle_power_w"].mean().items()
        },
        "gpu_energy_above_idle_kwh_per_query_phase": {
            f"{task} | {model}": value
            for (task, model), value in by_model["gpu_energy_above_idle_kwh"].mean().items()
        },
        "negative_above_idle_rows": int((query["gpu_energy_above_idle_kwh"] < 0).sum()),
    }
    return outcome(figures=figures)


def part_harness(args: argparse.Namespace) -> dict[str, Any]:
    """Overhead, repeatability and attribution (benchmarks/measurement_harness.py)."""
    from measurement_harness import run_harness

    from powerhungry.measure.gpus import measurement_gpu

    device = "cpu" if args.dry_run else "cuda"
    sizes = HARNESS["dry" if args.dry_run else "gpu"]
    note = "dry run: the goal applies on a GPU" if args.dry_run else None
    with measurement_gpu(device):
        table = run_harness(
            [args.work / "run-config.yaml"],
            device_name=device,
            write=lambda table: table.to_csv(args.out / "harness.csv", index=False),
            **sizes,
        )
    targets = []
    for row in table.to_dict("records"):
        task = row["task"]
        targets += [
            target(f"{task}: overhead, time", row.get("overhead_time"), GOAL_OVERHEAD, note),
            target(f"{task}: overhead, GPU energy", row.get("overhead_gpu_energy"), GOAL_OVERHEAD),
            target(f"{task}: repeatability, CV", row.get("repeatability_cv"), GOAL_CV, note),
            target(
                f"{task}: attribution, CodeCarbon vs NVML",
                row.get("attribution_error_max"),
                GOAL_ATTRIBUTION,
            ),
        ]
    failed = {row["task"]: row["error"] for row in table.to_dict("records") if row.get("error")}
    if failed:
        reason = "; ".join(f"{task}: {error}" for task, error in failed.items())
        return outcome("failed", reason, {"by_task": table.to_dict("records")}, targets)
    reason = (
        "no GPU: GPU energy overhead and attribution need CUDA and NVML" if args.dry_run else None
    )
    return outcome("ok", reason, {"by_task": table.to_dict("records")}, targets)


def part_cpu_cell(args: argparse.Namespace) -> dict[str, Any]:
    """A `device: cpu` cell on this machine, CUDA_VISIBLE_DEVICES unset: it must count no GPU."""
    import tempfile

    import pandas as pd
    import torch
    from measurement_harness import harness_cell, load_config

    from powerhungry.data.sampling import sample
    from powerhungry.measure.cell import CellJob, measure_cell
    from powerhungry.measure.cell_files import CellOutputs
    from powerhungry.models.prepare import prepare_model
    from powerhungry.study import load_study
    from powerhungry.tasks import RUNNABLE_TASKS

    os.environ.pop("CUDA_VISIBLE_DEVICES", None)
    gpus_on_machine = torch.cuda.device_count()
    study = load_study(load_config([args.work / "run-config.yaml"]), RUNNABLE_TASKS)
    cell = harness_cell(study, "text_classification")
    protocol = replace(study.protocol, device="cpu", repetitions=1)
    with tempfile.TemporaryDirectory(prefix="powerhungry-cpu-cell-") as scratch:
        folder = Path(scratch)
        manifest = prepare_model(cell.model, folder / "model", folder / "model.json")
        sample(cell.dataset).to_parquet(folder / "samples.parquet", index=False)
        job = CellJob(
            task=cell.task,
            runner_settings=study.runner_settings(cell.task, cell.model, cell.dataset),
            model=cell.model,
            model_manifest=manifest,
            dataset=cell.dataset,
            samples_path=folder / "samples.parquet",
            dataset_sha256="-",
            dataset_revision="",
            dataset_commit="",
            protocol=protocol,
            workflow_dir=REPO,
        )
        outputs = CellOutputs(folder / "m.csv", folder / "c.csv", folder / "p.parquet")
        rows = pd.DataFrame(measure_cell(job, outputs).rows)
    figures = {
        "model": cell.model.id,
        "gpu_energy_kwh": rows["gpu_energy_kwh"].tolist(),
        "codecarbon_gpu_count": rows["codecarbon_gpu_count"].tolist(),
        "codecarbon_gpu_model": rows["codecarbon_gpu_model"].fillna("").tolist(),
    }
    booked = float(rows["gpu_energy_kwh"].sum())  # empty (not measured) sums to 0
    tracked = int(rows["codecarbon_gpu_count"].max())
    # Without a GPU on the machine there was nothing to book: the check says nothing there.
    note = None if gpus_on_machine else "no GPU on this machine: the check needs one"
    check = target("cpu cell: GPU energy booked (kWh)", booked, 0.0, note)
    if note is None:
        check["met"] = bool(rows["gpu_energy_kwh"].isna().all()) and tracked == 0
    figures["gpus_on_machine"] = gpus_on_machine
    return outcome(figures=figures, targets=[check])


PARTS: dict[str, Callable[[argparse.Namespace], dict[str, Any]]] = {
    "config": part_config,
    "environment": part_environment,
    "imports": part_imports,
    "workflow": part_workflow,
    "idle": part_idle,
    "harness": part_harness,
    "cpu_cell": part_cpu_cell,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=PARTS)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    outcome = clean(PARTS[args.part](args))
    (args.work / "parts").mkdir(parents=True, exist_ok=True)
    (args.work / "parts" / f"{args.part}.json").write_text(json.dumps(outcome, indent=2))
    print(json.dumps(outcome, indent=2))


if __name__ == "__main__":
    main()
