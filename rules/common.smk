import csv
import os
import re
import sys
import subprocess
import tempfile
from dataclasses import asdict
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
from powerhungry.columns import DEFAULT_SCENARIO  # noqa: E402
from powerhungry.tasks import RUNNABLE_TASKS  # noqa: E402
from powerhungry.invocation import record_invocation  # noqa: E402
from powerhungry.plan import PlanSettingsError, plan_settings  # noqa: E402
from powerhungry.plan.jobs import (  # noqa: E402
    JobPlan,
    NoSuchShardError,
    cell_key,
    cell_name,
)
from powerhungry.plots.registry import FIGURES  # noqa: E402

SCHEMA = Path(workflow.basedir) / "config" / "schema.yaml"
try:
    # Fills the schema's defaults into `config`, which jobs read.
    STUDY = study_from_config(config, SCHEMA, RUNNABLE_TASKS)
    PLAN = plan_settings(config)
except (StudyConfigError, PlanSettingsError) as error:
    raise WorkflowError(f"invalid study config: {error}") from None
# The measurement jobs: which cells are split into shards, what each job asks for.
JOBS = JobPlan(STUDY, PLAN)

CACHE = STUDY.cache_dir
MODEL_SLUGS = [model.slug for model in STUDY.models]
ENV = "../envs/powerhungry.yaml"


# `scenario` is the suffix of a cell's files: "" for the default scenario (the protocol's own
# settings: the paths results had before scenarios existed), "@<name>" for a declared one.
wildcard_constraints:
    task="[a-z_]+",
    model="[^/]+",
    dataset="[^/@]+",
    scenario="(?:@[a-z0-9][a-z0-9_-]*)?",
    shard=r"\d+",


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
            "scenario": cell.scenario.name,
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


@cache
def params_of_protocol(scenario):
    return as_params(STUDY.scenario(scenario).protocol)


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
    """The cell's protocol: the study's with its scenario's settings (the default scenario's
    params are the protocol's as they were before scenarios existed: nothing reruns)."""
    return params_of_protocol(wildcards.scenario)


def split_cells():
    """{(task, model slug, dataset slug): [Shard, ...]} of the cells too long for one job
    (powerhungry.plan.jobs): a cap too short for a cell stops the run here, before any job,
    naming the setting."""
    try:
        return JOBS.split
    except ValueError as error:  # ShardingError, or a layout.json that is not one
        raise WorkflowError(str(error)) from None


def cells_only(keep):
    """A constraint of the `task` wildcard that matches the split cells' files (keep=True: rule
    merge_shards) or every other cell's (keep=False: measure_inference): a lookahead over the
    rest of the path, task/model/dataset[@scenario] and the outputs' suffixes, so that one path
    has one producing rule."""
    cells = "|".join(re.escape(cell_name(key)) for key in split_cells()) or "(?!)"
    suffixes = r"\.(?:csv|codecarbon\.csv|parquet)$"
    return f"(?{'=' if keep else '!'}(?:{cells}){suffixes})[a-z_]+"


def cell_of(wildcards):
    return STUDY.cell(
        wildcards.task, wildcards.model, wildcards.dataset, wildcards.scenario
    )


def shard_params(wildcards):
    return asdict(
        named_shard(JOBS.shard, cell_key(cell_of(wildcards)), wildcards.shard)
    )


def named_shard(lookup, *args):
    """`lookup(*args)` (a JobPlan method), a shard file named for no shard of its cell
    stopping the run with the cell's shards."""
    try:
        return lookup(*args)
    except NoSuchShardError as error:
        raise WorkflowError(str(error)) from None


def shards_of_cell(kind):
    """Input function: the files of one kind (rule measure_shard's output name) of every shard
    of the wildcards' cell."""

    def files(wildcards):
        pattern = getattr(rules.measure_shard.output, kind)
        return [
            pattern.format(**wildcards, shard=shard.name)
            for shard in split_cells()[cell_key(cell_of(wildcards))]
        ]

    return files


# Asked twice per job (runtime, mem_mb); the cell's estimate is made once (JobPlan).
def shard_runtime(wildcards, attempt):
    return shard_resources(wildcards, attempt)["runtime"]


def shard_mem_mb(wildcards, attempt):
    return shard_resources(wildcards, attempt)["mem_mb"]


def shard_resources(wildcards, attempt):
    cell = cell_of(wildcards)
    return named_shard(JOBS.shard_resources, cell, wildcards.shard, attempt)


def measurement_runtime(wildcards, attempt):
    return JOBS.cell_resources(cell_of(wildcards), attempt)["runtime"]


def measurement_mem_mb(wildcards, attempt):
    return JOBS.cell_resources(cell_of(wildcards), attempt)["mem_mb"]


def remeasure_targets(task, model, dataset, scenario):
    """The files whose --forcerun measures a cell (`scenario`: its name) again: its measurement
    file, or each of its shards' where it is split (forcing the merged file would only merge
    again); none for a cell no longer in the study."""
    cells = [
        c
        for c in STUDY.cells
        if (c.task, c.model.id, c.dataset.id, c.scenario.name)
        == (task, model, dataset, scenario)
    ]
    targets = []
    for cell in cells:
        shards = JOBS.shards(cell_key(cell))
        if not shards:
            targets.append(cell.result_path("measurements", ".csv"))
            continue
        pattern = rules.measure_shard.output.measurements
        wildcards = dict(zip(("task", "model", "dataset", "scenario"), cell_key(cell)))
        targets += [pattern.format(**wildcards, shard=shard.name) for shard in shards]
    return targets


def warn_about_plan_problems():
    """Say, before any job, which cells the plan expects not to run as planned (a model over
    the GPU memory of plan.gpu_class); they are measured anyway, since the GPU the jobs get may
    be larger than the class planned for (called by onstart)."""
    problems = [row for row in JOBS.rows(own_rows=False) if row.problem]
    if problems:
        first = problems[0]
        print(
            f"plan: {len(problems)} cells may not run as planned on plan.gpu_class "
            f"{PLAN.gpu.name} (e.g. {first.model} on {first.dataset}: {first.problem}); "
            "`powerhungry plan` lists them. They are measured anyway: a failure is recorded "
            "per cell.",
            file=sys.stderr,
        )


def check_gpu_partition(gpu_rules):
    """Under the SLURM executor, every GPU rule names its partition (`slurm_partition`, the
    profile's default-resources): without one SLURM queues the jobs in its default partition,
    often one without GPUs or with a short time limit. Stops the run before any job (called by
    onstart: the executor is known only then)."""
    plugin = workflow.executor_plugin
    if plugin is None or plugin.name != "slurm":
        return
    unnamed = [
        gpu_rule.rule.name
        for gpu_rule in gpu_rules
        if "slurm_partition" not in gpu_rule.rule.resources
    ]
    if unnamed:
        raise WorkflowError(
            f"no slurm_partition for the GPU jobs of {', '.join(unnamed)}: set your GPU "
            "partition under default-resources in the profile (profiles/slurm/config.yaml, "
            "the line marked EDIT; `sinfo -s` lists the partitions), or with "
            "--default-resources slurm_partition=NAME"
        )


def start_forkserver():
    """For a run on Snakemake's local executor on Linux, the fork server of its jobs
    (powerhungry.forkserver: the measurements, tiny models' builds, tables, figures and the
    explorer, their imports paid once, each job still run in a process of its own); it ends with
    this Snakemake process. Cluster jobs run elsewhere, in their own processes."""
    plugin = workflow.executor_plugin
    if plugin is None or plugin.name != "local" or not sys.platform.startswith("linux"):
        return
    from powerhungry.forkserver import start_server

    start_server()


def warn_about_missing_cells(path="results/tables/missing_cells.csv"):
    """A failed model does not fail the run (its cell is recorded as failed), so say it at the
    end, where nobody can miss it, with the command that measures those cells again: this
    run's own options (profile, config files), as typed."""
    from powerhungry.invocation import rerun_command

    if not Path(path).is_file():
        return
    with open(path, newline="") as table:
        failed = list(csv.DictReader(table))
    if failed:
        targets = [
            target
            for row in failed
            for target in remeasure_targets(
                row["task"],
                row["model"],
                row["dataset"],
                # A table from before scenarios: its cells are the default scenario's.
                row.get("scenario") or DEFAULT_SCENARIO,
            )
        ]
        print(
            f"{len(failed)} of {len(STUDY.cells)} cells failed and are left out of every table: "
            f"see {path} (error, host). Once fixed, measure them again with:\n"
            f"{rerun_command(sys.argv[1:], targets)}",
            file=sys.stderr,
        )
