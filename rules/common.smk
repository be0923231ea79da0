import csv
import os
import sys
import subprocess
import tempfile
from functools import cache
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError

# The workflow's own library is importable by the Snakefile and by every job (local, conda or
# cluster), whatever environment runs it: jobs inherit PYTHONPATH.
SRC_DIR = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC_DIR)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC_DIR, os.environ.get("PYTHONPATH")) if p)
)

from powerhungry.study import (  # noqa: E402
    StudyConfigError,
    as_params,
    canonical,
    study_from_config,
)
from powerhungry.tasks import RUNNABLE_TASKS  # noqa: E402
from powerhungry.invocation import record_invocation  # noqa: E402
from powerhungry.plan import plan_settings  # noqa: E402
from powerhungry.plan.gpu_classes import UnknownGpuClassError  # noqa: E402
from powerhungry.plots.registry import FIGURES  # noqa: E402

SCHEMA = Path(workflow.basedir) / "config" / "schema.yaml"
try:
    # Fills the schema's defaults into `config`, which jobs read.
    STUDY = study_from_config(config, SCHEMA, RUNNABLE_TASKS)
    PLAN = plan_settings(config)
except (StudyConfigError, UnknownGpuClassError) as error:
    raise WorkflowError(f"invalid study config: {error}") from None

CACHE = STUDY.cache_dir
MODEL_SLUGS = [model.slug for model in STUDY.models]
ENV = "../envs/powerhungry.yaml"


wildcard_constraints:
    task="[a-z_]+",
    model="[^/]+",
    dataset="[^/]+",


def measurement_tables():
    """Every cell's tidy measurement file: what aggregation reads."""
    return [cell.result_path("measurements", ".csv") for cell in STUDY.cells]


def cell_files():
    """Every cell's samples and predictions, with the names its table rows carry."""
    return [
        {
            "task": cell.task,
            "model": cell.model.id,
            "model_kind": cell.model.kind,
            "dataset": cell.dataset.id,
            "dataset_substitute": cell.dataset.read_instead,
            "samples": f"results/samples/{cell.task}/{cell.dataset.slug}.parquet",
            "predictions": cell.result_path("predictions", ".parquet"),
        }
        for cell in STUDY.cells
    ]


def cell_inputs(wildcards):
    return sorted(
        {
            path
            for cell in cell_files()
            for path in (cell["samples"], cell["predictions"])
        }
    )


# Params are asked for by every job of the plan (hundreds): each spec is turned into params once.
@cache
def params_of_dataset(task, dataset):
    return as_params(STUDY.dataset(task, dataset))


@cache
def params_of_model(model):
    return as_params(STUDY.model(model))


PROTOCOL_PARAMS = as_params(STUDY.protocol)


def preflight_or_stop(table="results/preflight.csv"):
    """`powerhungry preflight --reuse` on this run's config, in its own process (the Hub
    libraries, and torch for the models' build check, stay out of Snakemake's): entries checked
    before and unchanged are not asked again. Stops the run before any job if an entry cannot
    be had, its output listing each with the fix.

    Not a rule: as a plain input of sample_dataset and prepare_model the table would rerun every
    sample and model whenever it is rewritten, and as an ancient() input a rewrite hides the
    fetching jobs that do need to run from that invocation (Snakemake 9.27, dag.py
    update_needrun masks everything downstream of a job that reruns, ancient or not)."""
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as configfile:
        yaml.safe_dump(config, configfile)
    try:
        command = [sys.executable, "-m", "powerhungry.cli", "preflight", "--reuse"]
        command += ["--configfile", configfile.name, "--out", table]
        result = subprocess.run([*command, "--workdir", workflow.basedir])
    finally:
        os.unlink(configfile.name)
    if result.returncode != 0:
        raise WorkflowError(
            f"preflight stopped the run before any job (see above; table: {table}). Nothing "
            "was fetched or measured, and nothing already measured was touched."
        )


def dataset_params(wildcards):
    return params_of_dataset(wildcards.task, wildcards.dataset)


def dataset_source_files(wildcards):
    """A local dataset file is an input (edits trigger resampling) once it exists; a missing one
    is reported by the sampling job itself, naming the dataset."""
    path = STUDY.dataset(wildcards.task, wildcards.dataset).path
    return [path] if path is not None and Path(path).is_file() else []


def model_params(wildcards):
    return params_of_model(wildcards.model)


def runner_settings(wildcards):
    return STUDY.runner_settings(
        wildcards.task,
        STUDY.model(wildcards.model),
        STUDY.dataset(wildcards.task, wildcards.dataset),
    )


def protocol_params(wildcards):
    return PROTOCOL_PARAMS


@cache
def preflight_download_sizes():
    """Model download sizes from the preflight table of an earlier run or of `powerhungry
    preflight` (this run's onstart check comes after jobs are planned), read once."""
    from powerhungry.plan.estimate import preflight_downloads

    return preflight_downloads(Path("results/preflight.csv"))


def measurement_job_resources(wildcards, attempt):
    """The cell's runtime and mem_mb from its estimate (powerhungry.plan), made when the job is
    planned, so that a dry run shows them: a model not in the paper's logs is sized once it
    was prepared by an earlier run or preflight gave its download size; until then its job
    asks for the cap."""
    from powerhungry.plan.estimate import job_resources, plan_cell

    cell = STUDY.cell(wildcards.task, wildcards.model, wildcards.dataset)
    estimate = plan_cell(cell, STUDY, PLAN, preflight_download_sizes())
    return job_resources(estimate, PLAN, attempt)


def measurement_runtime(wildcards, attempt):
    return measurement_job_resources(wildcards, attempt)["runtime"]


def measurement_mem_mb(wildcards, attempt):
    return measurement_job_resources(wildcards, attempt)["mem_mb"]


def warn_about_missing_cells(path="results/tables/missing_cells.csv"):
    """A failed model does not fail the run (its cell is recorded as failed), so say it at the
    end, where nobody can miss it, with the command that measures those cells again: this
    run's own options (profile, config files), as typed."""
    from powerhungry.invocation import rerun_command
    from powerhungry.study import result_path

    if not Path(path).is_file():
        return
    with open(path, newline="") as table:
        failed = [
            result_path(
                row["task"], row["model"], row["dataset"], "measurements", ".csv"
            )
            for row in csv.DictReader(table)
        ]
    if failed:
        print(
            f"{len(failed)} of {len(STUDY.cells)} cells failed and are left out of every table: "
            f"see {path} (error, host). Once fixed, measure them again with:\n"
            f"{rerun_command(sys.argv[1:], failed)}",
            file=sys.stderr,
        )
