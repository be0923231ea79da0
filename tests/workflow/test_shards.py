"""A cell too long for one job of plan.max_job_hours, measured for real in shards (each its own
job and CodeCarbon runs) and merged into the rows one job would have written."""

from __future__ import annotations

import os
import re

import pandas as pd
import pytest
import yaml
from helpers import copy_workflow, run_snakemake, small_study, validated

from powerhungry.plan import plan_settings
from powerhungry.plan.estimate import plan_cell
from powerhungry.plan.shards import JOB_OVERHEAD_S
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS

pytestmark = pytest.mark.workflow

SAMPLES, PER_SHARD, REPETITIONS, WARMUP = 8, 3, 2, 1
CONFIG = "config/shards.yaml"
RUN = ("--configfile", CONFIG, "--replace-workflow-config", "--cores", "2")
CELL = "results/measurements/text_classification/test--tiny/reviews.csv"


def study(max_job_hours: float = 4) -> dict:
    config = small_study(
        protocol={
            "repetitions": REPETITIONS,
            "warmup_inferences": WARMUP,
            "device": "cpu",
            "idle_seconds": 1,
        },
        plan={"max_job_hours": max_job_hours},
    )
    config["datasets"][0]["samples"] = SAMPLES
    return config


def cap_for_shards_of(workdir, per_shard: int) -> float:
    """The max_job_hours at which the cell's repetitions split into shards of `per_shard`
    samples, from the plan's own estimate for it (its model prepared: sized by its weights)."""
    here = os.getcwd()
    os.chdir(workdir)
    try:
        config = validated(study())
        loaded = load_study(config, RUNNABLE_TASKS)
        estimate = plan_cell(loaded.cells[0], loaded, plan_settings(config), {}, own_rows=False)
    finally:
        os.chdir(here)
    assert estimate.basis == "paper_fit", estimate
    load, query = estimate.load_s, estimate.query_s_per_inference
    job_s = JOB_OVERHEAD_S + load + query * (WARMUP + per_shard + 0.5)
    return job_s * plan_settings(config).safety_factor / 3600


def job_stats(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", output, re.MULTILINE)}


def test_a_split_cell_is_measured_in_shards_and_merged(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / CONFIG).write_text(yaml.safe_dump(study()))
    prepared = run_snakemake(workdir, *RUN, "--until", "prepare_model")
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    (workdir / CONFIG).write_text(yaml.safe_dump(study(cap_for_shards_of(workdir, PER_SHARD))))
    result = run_snakemake(workdir, "results/tables/measurements.csv", *RUN, "--resources", "gpu=1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # 8 samples in shards of 3: 3 jobs a repetition, 2 repetitions.
    stats = job_stats(output)
    assert stats["measure_shard"] == 6 and stats["merge_shards"] == 1, stats
    assert "measure_inference" not in stats
    rows = pd.read_csv(workdir / CELL)
    assert sorted(zip(rows["repetition"], rows["phase"], strict=True)) == [
        (0, "load"), (0, "query"), (1, "load"), (1, "query")
    ]  # fmt: skip
    assert (rows["n_inferences"] == SAMPLES).all() and (rows["shards"] == 3).all()
    assert (rows["energy_kwh"] > 0).all()
    table = pd.read_csv(workdir / "results" / "tables" / "measurements.csv")
    assert len(table) == 4 and (table["shards"] == 3).all()
    again = run_snakemake(workdir, *RUN, "-n", "results/tables/measurements.csv")
    assert "Nothing to be done" in again.stdout + again.stderr
