"""A cell too long for one job of plan.max_job_hours, measured for real in shards of whole
repetitions (each its own job and CodeCarbon runs) and merged into the rows one job would have
written. (A repetition split over its samples needs a repetition longer than a job's start-up
allowance, which no tiny model has: test_measure_cell merges such shards, measured for real.)"""

from __future__ import annotations

import json
import math
import os
import re

import pandas as pd
import pytest
import yaml
from helpers import copy_workflow, run_snakemake, small_study, validated

from powerhungry.plan import plan_settings
from powerhungry.plan.estimate import plan_cell
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS

pytestmark = pytest.mark.workflow

SAMPLES, REPETITIONS, WARMUP = 8, 3, 1
CONFIG = "config/shards.yaml"
RUN = ("--configfile", CONFIG, "--replace-workflow-config", "--cores", "2")
CELL = "results/measurements/text_classification/test--tiny/reviews.csv"


def study(max_job_hours: float = 4, safety_factor: float = 1.5) -> dict:
    config = small_study(
        protocol={
            "repetitions": REPETITIONS,
            "warmup_inferences": WARMUP,
            "device": "cpu",
            "idle_seconds": 1,
        },
        plan={"max_job_hours": max_job_hours, "safety_factor": safety_factor},
    )
    config["datasets"][0]["samples"] = SAMPLES
    return config


def cap_for_two_repetitions_a_job(workdir) -> tuple[float, float]:
    """The max_job_hours and safety_factor at which the cell's three repetitions do not fit one
    job but two do, from the plan's own estimate for it (its model prepared: sized by its
    weights). Jobs ask for whole minutes, and a tiny model's repetition takes a second: the
    safety factor makes half a repetition's request over a minute, so that the cap, in whole
    minutes, falls between two and three repetitions."""
    here = os.getcwd()
    os.chdir(workdir)
    try:
        config = validated(study())
        loaded = load_study(config, RUNNABLE_TASKS)
        estimate = plan_cell(loaded.cells[0], loaded, plan_settings(config), {}, own_rows=False)
    finally:
        os.chdir(here)
    assert estimate.basis == "paper_fit", estimate
    repetition = estimate.load_s + estimate.query_s_per_inference * (SAMPLES + WARMUP)
    safety_factor = math.ceil(120 / repetition) + 1
    job_s = plan_settings(config).startup_s + 2.5 * repetition  # start-up, idle, 2.5 repetitions
    return math.floor(job_s * safety_factor / 60) / 60, safety_factor


def job_stats(output: str) -> dict[str, int]:
    return {m[1]: int(m[2]) for m in re.finditer(r"^(\w+)\s+(\d+)$", output, re.MULTILINE)}


def test_a_split_cell_is_measured_in_shards_and_merged(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / CONFIG).write_text(yaml.safe_dump(study()))
    prepared = run_snakemake(workdir, *RUN, "--until", "prepare_model")
    assert prepared.returncode == 0, prepared.stderr[-3000:]
    (workdir / CONFIG).write_text(yaml.safe_dump(study(*cap_for_two_repetitions_a_job(workdir))))
    result = run_snakemake(workdir, "results/tables/measurements.csv", *RUN, "--resources", "gpu=1")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    # Repetitions 0-1 in one job, 2 in another.
    stats = job_stats(output)
    assert stats["measure_shard"] == 2 and stats["merge_shards"] == 1, stats
    assert "measure_inference" not in stats
    rows = pd.read_csv(workdir / CELL)
    assert sorted(zip(rows["repetition"], rows["phase"], strict=True)) == [
        (r, phase) for r in range(REPETITIONS) for phase in ("load", "query")
    ]
    # Each repetition was measured whole, in one job; the two jobs' CodeCarbon runs differ.
    assert (rows.query("phase == 'query'")["n_inferences"] == SAMPLES).all()
    assert (rows["shards"] == 1).all()
    assert (rows["energy_kwh"] > 0).all() and rows["codecarbon_run_id"].nunique() == REPETITIONS
    table = pd.read_csv(workdir / "results" / "tables" / "measurements.csv")
    assert len(table) == 2 * REPETITIONS and (table["shards"] == 1).all()
    again = run_snakemake(workdir, *RUN, "-n", "results/tables/measurements.csv")
    assert "Nothing to be done" in again.stdout + again.stderr
    # Its shards are recorded: a raised cap, at which it would fit one job, moves nothing.
    layout = workdir / "results/shards/text_classification/test--tiny/reviews/layout.json"
    assert [
        (s["first_repetition"], s["stop_repetition"]) for s in json.loads(layout.read_text())
    ] == [(0, 2), (2, 3)]
    (workdir / CONFIG).write_text(yaml.safe_dump(study(max_job_hours=4)))
    raised = run_snakemake(workdir, *RUN, "-n", "results/tables/measurements.csv")
    assert "Nothing to be done" in raised.stdout + raised.stderr, raised.stdout[-3000:]
    # A shard the cell does not have is named as such, not a traceback.
    missing = "results/shards/text_classification/test--tiny/reviews/0045.csv"  # it has 2
    wrong = run_snakemake(workdir, *RUN, "-n", missing)
    assert "no shard 0045 of text_classification/test--tiny/reviews" in wrong.stdout + wrong.stderr
