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


def cell_key(cell):
    return (cell.task, cell.model.slug, cell.dataset.slug)


def layout_path(cell):
    """Where a split cell's shards are recorded: results/shards/<cell>/layout.json."""
    return Path(cell.result_path("shards", "")) / "layout.json"


@cache
def split_cells():
    """{(task, model slug, dataset slug): [Shard, ...]} of the cells too long for one job
    (powerhungry.plan.shards). A cell split before keeps the shards recorded then (its
    layout.json, written by onstart: `record_layouts`) while they still cover its samples and
    repetitions and each fits the cap; a cell measured whole stays whole. So a later estimate (a
    model sized once prepared, a raised cap) never moves a measured cell to the other rule or
    its shards to other ranges, and jobs that read the workflow again see the same shards. The
    others are split from estimates without the cells' own rows. A cap too short for a cell
    stops the run here, before any job, naming the setting."""
    from powerhungry.plan.estimate import cell_shards, plan_cell
    from powerhungry.plan.shards import ShardingError, covers, read_layout

    split, too_short = {}, []
    protocol = STUDY.protocol
    for cell in STUDY.cells:
        estimate = plan_cell(
            cell, STUDY, PLAN, preflight_download_sizes(), own_rows=False
        )
        recorded = read_layout(layout_path(cell))
        if recorded and covers(recorded, protocol.repetitions, cell.dataset.samples):
            fits = estimate.load_s is None or all(
                shard.seconds(
                    estimate.load_s,
                    estimate.query_s_per_inference,
                    protocol.warmup_inferences,
                )
                * PLAN.safety_factor
                <= PLAN.max_job_hours * 3600
                for shard in recorded
            )
            if fits:
                split[cell_key(cell)] = recorded
                continue
        measured_whole = Path(cell.result_path("measurements", ".csv")).is_file()
        if measured_whole and recorded is None:
            continue
        try:
            shards = cell_shards(estimate, STUDY, PLAN)
        except ShardingError as error:
            too_short.append(error.smallest_hours)
            continue
        if shards:
            split[cell_key(cell)] = shards
    if too_short:
        raise WorkflowError(
            f"plan.max_job_hours {PLAN.max_job_hours:g} is shorter than the smallest job of "
            f"{len(too_short)} cells (start-up, one load, warm-up and one inference, twice for "
            f"a retry, times safety_factor): raise it to at least {max(too_short):g}"
        )
    return split


def record_layouts():
    """Record each split cell's shards (layout.json) before its jobs run (onstart)."""
    from powerhungry.plan.shards import read_layout, write_layout

    for cell in STUDY.cells:
        shards = split_cells().get(cell_key(cell))
        if shards and read_layout(layout_path(cell)) != shards:
            write_layout(layout_path(cell), shards)


def cells_only(keep):
    """A constraint of the `task` wildcard that matches the split cells' files (keep=True: rule
    merge_shards) or every other cell's (keep=False: measure_inference): a lookahead over the
    rest of the path, task/model/dataset and the outputs' suffixes, so that one path has one
    producing rule."""
    cells = "|".join(re.escape(f"{t}/{m}/{d}") for t, m, d in split_cells()) or "(?!)"
    suffixes = r"\.(?:csv|codecarbon\.csv|parquet)$"
    return f"(?{'=' if keep else '!'}(?:{cells}){suffixes})[a-z_]+"


def shard_of(wildcards):
    key = (wildcards.task, wildcards.model, wildcards.dataset)
    shards = split_cells().get(key, [])
    index = int(wildcards.shard)
    if index >= len(shards):
        raise WorkflowError(
            f"no shard {wildcards.shard} of {'/'.join(key)}: the cell is "
            + (
                f"split into {len(shards)} (0000-{len(shards) - 1:04d})"
                if shards
                else "not split"
            )
            + "; name the files of its current shards (results/shards/.../layout.json)"
        )
    return shards[index]


def shard_params(wildcards):
    return asdict(shard_of(wildcards))


def shards_of_cell(kind):
    """Input function: the files of one kind (rule measure_shard's output name) of every shard
    of the wildcards' cell."""

    def files(wildcards):
        key = (wildcards.task, wildcards.model, wildcards.dataset)
        pattern = getattr(rules.measure_shard.output, kind)
        return [
            pattern.format(**wildcards, shard=shard.name)
            for shard in split_cells()[key]
        ]

    return files


def shard_job_resources(wildcards, attempt):
    """A shard's runtime and mem_mb: its estimated duration (powerhungry.plan.shards) and its
    cell's memory, as split_cells planned them."""
    from powerhungry.plan.estimate import job_resources, plan_cell

    cell = STUDY.cell(wildcards.task, wildcards.model, wildcards.dataset)
    estimate = plan_cell(cell, STUDY, PLAN, preflight_download_sizes(), own_rows=False)
    seconds = shard_of(wildcards).seconds(
        estimate.load_s,
        estimate.query_s_per_inference,
        STUDY.protocol.warmup_inferences,
    )
    return job_resources(seconds, estimate.host_memory_gb, PLAN, attempt)


def shard_runtime(wildcards, attempt):
    return shard_job_resources(wildcards, attempt)["runtime"]


def shard_mem_mb(wildcards, attempt):
    return shard_job_resources(wildcards, attempt)["mem_mb"]


def measurement_job_resources(wildcards, attempt):
    return cell_job_resources(
        wildcards.task, wildcards.model, wildcards.dataset, attempt
    )


@cache  # asked twice per job (runtime, mem_mb): the estimate is made once
def cell_job_resources(task, model, dataset, attempt):
    """The cell's runtime and mem_mb from its estimate (powerhungry.plan), made when the job is
    planned, so that a dry run shows them: a model not in the paper's logs is sized once it
    was prepared by an earlier run or preflight gave its download size; until then its job
    asks for the cap."""
    from powerhungry.plan.estimate import job_resources, plan_cell

    cell = STUDY.cell(task, model, dataset)
    estimate = plan_cell(cell, STUDY, PLAN, preflight_download_sizes())
    seconds = None if estimate.gpu_hours is None else estimate.gpu_hours * 3600
    return job_resources(seconds, estimate.host_memory_gb, PLAN, attempt)


def measurement_runtime(wildcards, attempt):
    return measurement_job_resources(wildcards, attempt)["runtime"]


def measurement_mem_mb(wildcards, attempt):
    return measurement_job_resources(wildcards, attempt)["mem_mb"]


def remeasure_targets(task, model, dataset):
    """The files whose --forcerun measures a cell again: its measurement file, or each of its
    shards' where it is split (forcing the merged file would only merge again); none for a
    cell no longer in the study."""
    cells = [
        c
        for c in STUDY.cells
        if (c.task, c.model.id, c.dataset.id) == (task, model, dataset)
    ]
    targets = []
    for cell in cells:
        shards = split_cells().get(cell_key(cell), [])
        if not shards:
            targets.append(cell.result_path("measurements", ".csv"))
            continue
        pattern = rules.measure_shard.output.measurements
        wildcards = dict(zip(("task", "model", "dataset"), cell_key(cell)))
        targets += [pattern.format(**wildcards, shard=shard.name) for shard in shards]
    return targets


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
            for target in remeasure_targets(row["task"], row["model"], row["dataset"])
        ]
        print(
            f"{len(failed)} of {len(STUDY.cells)} cells failed and are left out of every table: "
            f"see {path} (error, host). Once fixed, measure them again with:\n"
            f"{rerun_command(sys.argv[1:], targets)}",
            file=sys.stderr,
        )
