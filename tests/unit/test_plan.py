"""The cost plan (powerhungry.plan): the paper's study estimated from its own logs, job requests
from estimates, and what refines an estimate (a prepared model's weights, the cell's own
measurement rows). Runs in a scratch folder that sees only the repository's resources/."""

from __future__ import annotations

import copy
import csv
import itertools
import json
import math
from pathlib import Path

import pytest
import yaml
from helpers import REPO, validated

from powerhungry.cli import main
from powerhungry.plan import PlanSettingsError, plan_settings
from powerhungry.plan.estimate import (
    cell_shards,
    job_resources,
    summary,
    totals,
)
from powerhungry.plan.gpu_classes import GPU_CLASSES, UnknownGpuClassError
from powerhungry.plan.jobs import JobPlan, NoSuchShardError, cell_key, layout_path
from powerhungry.plan.shards import ShardingError, read_layout, split_cell
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS

PAPER_CONFIG = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
# The paper's logged durations of its 312 cells, summed (resources/reference/paper): 707.0 h.
PAPER_LOGGED_HOURS = 707.0


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    (tmp_path / "resources").symlink_to(REPO / "resources")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def planned(config):
    config = validated(config)
    settings = plan_settings(config)
    return JobPlan(load_study(config, RUNNABLE_TASKS), settings).rows(), settings


def test_the_papers_study_costs_what_its_logs_say(workdir):
    rows, settings = planned(PAPER_CONFIG)
    assert len(rows) == 312 and {r.basis for r in rows} == {"paper"}
    study = totals(rows)["all"]
    # The logged durations plus each job's start-up allowance and idle baseline (2.5 min a job:
    # 714 jobs, 29.75 h) and the loads of repetitions split over several jobs.
    assert PAPER_LOGGED_HOURS + 29.75 < study["gpu_hours"] < PAPER_LOGGED_HOURS + 33
    assert study["unknown"] == 0 and not [r for r in rows if r.problem]
    # 24 cells need more than the default 4 h, all image generation (SDXL ~94 h each): they
    # run as shards, 426 jobs; the other 288 cells as one job each.
    split = [r for r in rows if r.jobs > 1]
    assert len(split) == 24 and {r.task for r in split} == {"image_generation"}
    assert study["jobs"] == 288 + 426
    sdxl = [r for r in split if r.model == "stabilityai/stable-diffusion-xl-base-1.0"]
    assert all(90 < r.gpu_hours < 100 and r.jobs == 80 for r in sdxl)
    # The two largest multi-purpose models do not load in 32 GB of host memory in float32.
    host = {r.model: r.host_memory_gb for r in rows}
    assert host["google/flan-t5-xxl"] > 32 and host["bigscience/bloomz-7b1"] > 32
    # The paper's config asks for the settings the paper's times were logged at: none scaled.
    assert {r.workload for r in rows} == {""}
    text = summary(rows, settings, paper_study().scenarios)
    assert "all" in text and "312" in text and "24 cells run in shards, 426 jobs" in text
    assert "scaled" not in text and "batch_size" not in text


def test_the_deployment_overlay_plans_each_scenario_at_its_dtype(workdir):
    """config/deployment.yaml: the paper's 312 cells and 240 more per scenario, each planned
    in its own dtype (bfloat16 weights take half the memory), the totals per scenario too."""
    overlay = {**PAPER_CONFIG, **yaml.safe_load((REPO / "config" / "deployment.yaml").read_text())}
    rows, settings = planned(overlay)
    per_scenario = totals(rows, by="scenario")
    assert per_scenario["default"]["cells"] == 312 and per_scenario["all"]["cells"] == 1512
    assert {
        name: t["cells"] for name, t in per_scenario.items() if name not in ("default", "all")
    } == {name: 240 for name in ("bs1-bf16", "bs8-fp32", "bs8-bf16", "bs32-fp32", "bs32-bf16")}
    gpu = {(r.scenario, r.model, r.dataset): r.gpu_memory_gb for r in rows}
    model = next(r.model for r in rows if r.model_kind == "task_specific")
    dataset = next(r.dataset for r in rows if r.model == model)
    assert gpu["bs1-bf16", model, dataset] < gpu["default", model, dataset]
    assert gpu["bs8-fp32", model, dataset] == gpu["default", model, dataset]
    text = summary(rows, settings, paper_study(overlay).scenarios)
    lines = text.splitlines()
    assert any(line.split()[:2] == ["bs32-bf16", "240"] for line in lines)
    assert any(line.split()[:2] == ["default", "312"] for line in lines)
    assert "bs32-bf16 (batch_size 32, dtype bfloat16)" in text and "upper bound" in text


def paper_study(config=PAPER_CONFIG):
    return load_study(validated(config), RUNNABLE_TASKS)


def test_generation_lengths_and_diffusion_steps_scale_the_papers_query_times(workdir):
    """Steps and new tokens scale the query time (load is the same); a setting the paper's
    value of is unknown (a model's generation defaults), or an image size, is kept and said."""
    config = copy.deepcopy(PAPER_CONFIG)
    config["tasks"]["image_generation"] = {"num_inference_steps": 25, "height": 768}
    config["tasks"]["text_generation"] = {"max_new_tokens": 20}
    config["tasks"]["image_captioning"] = {"max_new_tokens": 30}
    bloomz = next(m for m in config["models"] if m["id"] == "bigscience/bloomz-560m")
    bloomz["max_new_tokens"] = {**bloomz["max_new_tokens"], "imdb": 4}
    config["protocol"] = {**config["protocol"], "batch_size": 8}
    paper = {(r.task, r.model, r.dataset): r for r in planned(PAPER_CONFIG)[0]}
    rows, settings = planned(config)
    ratios = {}
    for row in rows:
        before = paper[(row.task, row.model, row.dataset)]
        assert row.load_s == before.load_s
        ratios[row.task, row.model, row.dataset] = (
            row.query_s_per_inference / before.query_s_per_inference,
            row.workload,
        )
    sdxl = ratios[
        "image_generation", "stabilityai/stable-diffusion-xl-base-1.0", "poloclub/diffusiondb"
    ]
    assert sdxl == (
        pytest.approx(0.5),
        "num_inference_steps 25/50; height 768 not scaled (paper: pipeline default)",
    )
    assert ratios["text_generation", "gpt2", "wikitext"] == (
        pytest.approx(2),
        "max_new_tokens 20/10",
    )
    assert ratios["extractive_qa", "bigscience/bloomz-560m", "squad"] == (1, "")
    assert ratios["text_classification", "bigscience/bloomz-560m", "imdb"] == (
        pytest.approx(4),
        "max_new_tokens 4/1",
    )
    captioning = [v for k, v in ratios.items() if k[0] == "image_captioning"]
    assert captioning and all(
        v == (1, "max_new_tokens 30 not scaled (paper: model default)") for v in captioning
    )
    text = summary(rows, settings, paper_study(config).scenarios)
    assert "cells' query times are the paper's scaled" in text
    assert "48 cells have settings the paper's times cannot be scaled to" in text
    assert "batch_size 8, dtype float32" in text


def test_a_cell_too_long_for_one_job_is_split_by_repetitions_else_by_samples():
    """Start-up 120 s a job, requests at 1.5 x the estimate, a 1 h cap: 2,280 s of work a job."""
    whole = split_cell(10, 100, 0, load_s=10, query_s_per_inference=0.1, max_job_hours=1,
                       safety_factor=1.5)  # fmt: skip
    assert whole == []  # 120 + 10 x 20 s = 320 s, x 1.5 within the hour
    by_repetitions = split_cell(10, 1000, 0, 10, 1.0, 1, 1.5)  # 1,010 s a repetition
    assert [(s.first_repetition, s.stop_repetition) for s in by_repetitions] == [
        (0, 2), (2, 4), (4, 6), (6, 8), (8, 10)
    ]  # fmt: skip
    assert {(s.sample_start, s.sample_stop) for s in by_repetitions} == {(0, 1000)}
    uneven = split_cell(7, 1000, 0, 10, 1.0, 1, 1.5)  # 2 repetitions a job at most: 4 jobs
    assert [(s.first_repetition, s.stop_repetition) for s in uneven] == [
        (0, 2), (2, 4), (4, 5), (5, 7)
    ]  # fmt: skip
    by_samples = split_cell(2, 5000, 10, 30, 1.0, 1, 1.5)  # 5,040 s a repetition
    # Half the cap, so that a retry at twice the time fits: (2,280 / 2 - 30) / 1 s - 10 warm-up
    # = 1,100 samples a job at most; 5 even jobs a repetition.
    assert [(s.first_repetition, s.sample_start, s.sample_stop) for s in by_samples] == [
        (r, start, start + 1000) for r in (0, 1) for start in range(0, 5000, 1000)
    ]
    assert [s.name for s in by_samples] == [f"{i:04d}" for i in range(10)]
    # In batches of 32 (1,100 samples: 34 batches a job at most), ranges start on a batch:
    # 157 batches in 5 shards of 31 or 32, the last one partial.
    batched = split_cell(1, 5000, 10, 30, 1.0, 1, 1.5, batch_size=32)
    assert all(s.sample_start % 32 == 0 for s in batched) and len(batched) == 5
    assert batched[-1].sample_stop == 5000 and all(
        a.sample_stop == b.sample_start for a, b in itertools.pairwise(batched)
    )
    assert all(s.seconds(30, 1.0, 10) * 1.5 * 2 <= 3600 for s in by_samples)
    # The smallest cap is the smaller of one repetition a job ((120 + 110) x 1.5 = 345 s) and
    # one inference twice for a retry (2 x (120 + 100 + 1) x 1.5 = 663 s), rounded up.
    with pytest.raises(ShardingError, match=r"plan.max_job_hours 0.05 is shorter .* least 0.1$"):
        split_cell(1, 10, 0, 100, 1.0, 0.05, 1.5)
    assert split_cell(1, 10, 0, 100, 1.0, 0.1, 1.5) == []
    # Four such repetitions: one a job at that cap.
    four = split_cell(4, 10, 0, 100, 1.0, 0.1, 1.5)
    assert [(s.first_repetition, s.stop_repetition) for s in four] == [
        (0, 1),
        (1, 2),
        (2, 3),
        (3, 4),
    ]


def test_a_slower_gpu_takes_longer_and_a_small_one_is_told_what_does_not_fit(workdir):
    config = copy.deepcopy(PAPER_CONFIG)
    a100 = totals(planned(config)[0])["all"]["gpu_hours"]
    config["plan"] = {"gpu_class": "t4"}
    rows, _ = planned(config)
    assert totals(rows)["all"]["gpu_hours"] > 3 * a100
    [xxl, *_] = [r for r in rows if r.model == "google/flan-t5-xxl"]
    assert "GPU memory" in xxl.problem and "float16" in xxl.problem
    config["plan"] = {"gpu_class": "h100"}  # never planned shorter than the paper's A100
    assert totals(planned(config)[0])["all"]["gpu_hours"] == pytest.approx(a100)


def test_no_job_asks_less_than_its_estimate_under_adaptive_repetitions(workdir):
    """Adaptive stopping runs up to max_repetitions in one job; a cell whose maximum does not fit
    the cap runs exactly `repetitions`, in shards, or in one shard of them all where they fit."""
    protocol = {"repetitions": 2, "max_repetitions": 10, "target_relative_halfwidth": 0.05}
    config = validated({**PAPER_CONFIG, "protocol": protocol, "plan": {"max_job_hours": 1}})
    study = load_study(config, RUNNABLE_TASKS)
    settings = plan_settings(config)
    rows = JobPlan(study, settings).rows()
    single = 0
    for row, cell in zip(rows, study.cells, strict=True):
        shards = cell_shards(row, cell, settings)
        if not shards:
            assert row.gpu_hours * settings.safety_factor <= 1, row
            assert row.repetitions == 10
            continue
        assert row.repetitions == 2
        single += len(shards) == 1 and shards[0].stop_repetition == 2
        for shard in shards:
            seconds = shard.seconds(row.load_s, row.query_s_per_inference, 0)
            assert seconds * settings.safety_factor <= 3600, (row, shard)
    assert single > 0  # two repetitions fit one job, ten do not


@pytest.mark.parametrize("setting", ["max_job_hours", "safety_factor"])
@pytest.mark.parametrize("value", [math.inf, math.nan])
def test_a_cap_or_factor_that_is_not_a_number_is_refused(setting, value):
    config = validated({**PAPER_CONFIG, "plan": {setting: value}})  # the schema lets it through
    with pytest.raises(PlanSettingsError, match=f"plan.{setting}: {value!r} is not a finite"):
        plan_settings(config)


def test_an_unknown_gpu_class_names_the_known_ones():
    config = validated({**PAPER_CONFIG, "plan": {"gpu_class": "a100-80"}})
    with pytest.raises(UnknownGpuClassError, match=r"plan.gpu_class: 'a100-80' .*a100_80gb"):
        plan_settings(config)
    assert len(GPU_CLASSES) > 10


def test_job_requests_follow_the_estimate_and_stop_at_the_cap(workdir):
    rows, settings = planned(PAPER_CONFIG)
    cap = settings.max_job_hours * 60
    for row in rows:
        first, second = (
            job_resources(row.gpu_hours * 3600, row.host_memory_gb, settings, attempt)
            for attempt in (1, 2)
        )
        assert first["runtime"] <= second["runtime"] <= cap
        assert second["mem_mb"] == pytest.approx(2 * first["mem_mb"], abs=1)
        assert first["mem_mb"] >= row.host_memory_gb * 1000 * settings.safety_factor
        if row.gpu_hours * 60 * settings.safety_factor <= cap:
            assert first["runtime"] >= row.gpu_hours * 60 * settings.safety_factor
        else:
            assert first["runtime"] == cap and row.jobs > 1  # its shards fit (above)
    unknown = job_resources(None, None, settings, 2)
    assert unknown == {"runtime": cap, "mem_mb": 64000}


def new_model_config(samples=100):
    """One text classification model the paper did not measure, on imdb."""
    return {
        **PAPER_CONFIG,
        "datasets": [{**PAPER_CONFIG["datasets"][0], "samples": samples}],
        "models": [{"id": "lab/new-classifier", "task": "text_classification"}],
    }


def test_a_model_the_paper_did_not_log_is_sized_once_known(workdir):
    config = new_model_config()
    [row], _ = planned(config)
    assert row.basis == "" and row.gpu_hours is None and row.host_memory_gb is None
    # preflight's download size: a line through the paper's text classifiers at that size.
    Path("results").mkdir()
    with open("results/preflight.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, ["entry", "id", "download_bytes"])
        writer.writeheader()
        writer.writerow({"entry": "datasets[0]", "id": "imdb", "download_bytes": "5"})
        writer.writerow({"entry": "models[0]", "id": "lab/new-classifier", "download_bytes": 10**9})
    [row], _ = planned(config)
    assert row.basis == "paper_fit" and row.gpu_hours > 0
    assert row.host_memory_gb == pytest.approx(4 + 1.5 * 2.0)  # at most 5e8 params, float32
    # Once prepared, its weights on disk size it.
    folder = Path("cache/models/lab--new-classifier")
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(b"\0" * 4000)
    (folder / "tokenizer.json").write_text("{}")  # not weights
    manifest = {"id": "lab/new-classifier", "path": str(folder.resolve())}
    Path("cache/models/lab--new-classifier.json").write_text(json.dumps(manifest))
    [row], _ = planned(config)
    assert row.basis == "paper_fit" and row.model_download_gb == 4000 / 1e9


def test_a_cells_own_rows_on_the_planned_device_refine_its_estimate(workdir):
    config = new_model_config(samples=100)
    path = Path("results/measurements/text_classification/lab--new-classifier/imdb.csv")
    path.parent.mkdir(parents=True)
    rows = [
        {"phase": "load", "n_inferences": 0, "duration_s": 20, "gpu_energy_kwh": 0.001},
        {"phase": "query", "n_inferences": 100, "duration_s": 50, "gpu_energy_kwh": 0.002},
    ]
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, [*rows[0], "device"])
        writer.writeheader()
        writer.writerows({**row, "device": "cuda"} for row in rows)
    [row], _ = planned(config)
    repetitions = config["protocol"].get("repetitions", 10)
    assert row.basis == "measured"
    # start-up 120 s and the idle baseline 30 s, then the measured rates
    assert row.gpu_hours * 3600 == pytest.approx(120 + 30 + repetitions * (20 + 50))
    assert row.gpu_energy_kwh == pytest.approx(repetitions * (0.001 + 0.002))
    # Rows measured on the CPU do not plan a GPU run.
    config["protocol"] = {**config.get("protocol", {}), "device": "cuda"}
    path.write_text(path.read_text().replace("cuda", "cpu"))
    [row], _ = planned(config)
    assert row.basis == ""


@pytest.mark.slow
def test_the_command_line_prints_the_plan_and_fails_on_cells_that_cannot_run(
    tmp_path, monkeypatch, capsys
):
    """Exit 0 for the paper's study on A100s (its long cells split), 1 on T4s (models over
    the GPU's memory), 2 for an unknown task or GPU class."""
    monkeypatch.chdir(tmp_path)  # `plan` changes to --workdir; monkeypatch changes back

    def plan(*args):
        try:
            code = main(["plan", *args, "--workdir", str(REPO)])
        except SystemExit as stop:
            code = stop.code
        return code, capsys.readouterr()

    code, out = plan("--out", str(tmp_path / "plan.csv"))
    assert code == 0, out.out + out.err
    assert "24 cells run in shards, 426 jobs" in out.out
    with (tmp_path / "plan.csv").open() as handle:
        assert len(list(csv.DictReader(handle))) == 312
    # A GPU too small for the largest models: exit 1, each listed.
    overlay = tmp_path / "small-gpu.yaml"
    overlay.write_text(yaml.safe_dump({"plan": {"gpu_class": "t4"}}))
    code, out = plan(str(REPO / "config" / "config.yaml"), str(overlay))
    assert code == 1 and "google/flan-t5-xxl" in out.out
    code, out = plan("--task", "text_classification", "--samples", "100")
    assert code == 0 and f"{'text_classification':<26}{48:>7} {48:>8}" in out.out
    assert "image_generation" not in out.out
    assert plan("--task", "translation")[0] == 2
    overlay.write_text(yaml.safe_dump({"plan": {"gpu_class": "b200"}}))
    code, out = plan(str(REPO / "config" / "config.yaml"), str(overlay))
    assert code == 2 and "'b200' is not a GPU class" in out.err
    code, out = plan(str(overlay))  # an overlay alone is not a study: say how to overlay
    assert code == 2 and "name config/config.yaml first" in out.err


def test_the_job_plan_splits_the_long_cells_and_asks_each_job_its_estimate(workdir):
    """JobPlan, what the workflow's rules ask: the 24 image generation cells in shards that each
    ask for their own estimate, the others whole; a shard name its cell does not have is
    refused naming the cell's shards."""
    study = paper_study()
    settings = plan_settings(validated(PAPER_CONFIG))
    jobs = JobPlan(study, settings)
    assert len(jobs.split) == 24 and {key[0] for key in jobs.split} == {"image_generation"}
    sdxl = study.cell(
        "image_generation", "stabilityai--stable-diffusion-xl-base-1.0", "poloclub--diffusiondb"
    )
    shards = jobs.shards(cell_key(sdxl))
    assert len(shards) == 80
    estimate = jobs.estimate(sdxl, own_rows=False)
    first = jobs.shard_resources(sdxl, "0000", attempt=1)
    seconds = shards[0].seconds(estimate.load_s, estimate.query_s_per_inference, 0)
    assert seconds * 1.5 / 60 <= first["runtime"] <= 4 * 60
    assert jobs.shard_resources(sdxl, "0000", attempt=2)["runtime"] <= 4 * 60
    with pytest.raises(NoSuchShardError, match=r"no shard 0080 .* split into 80 \(0000-0079\)"):
        jobs.shard(cell_key(sdxl), "0080")
    gpt2 = study.cell("text_generation", "gpt2", "wikitext")
    assert jobs.shards(cell_key(gpt2)) == []
    whole = jobs.estimate(gpt2, own_rows=True)
    assert jobs.cell_resources(gpt2, 1)["runtime"] >= whole.gpu_hours * 60 * 1.5
    assert jobs.estimate(gpt2, own_rows=True) is whole  # made once


def test_the_plan_is_of_the_jobs_the_workflow_makes_what_was_measured_kept(workdir):
    """What was measured keeps its jobs, whatever the cap or an estimate says now (moving them
    would measure the cell again): shards measured keep their recorded layout, a cell measured
    whole stays whole; the plan counts those jobs and says where one no longer fits the cap. A
    layout recorded for a cell none of whose shards was measured (a run stopped at once) binds
    nothing, nor does a changed idle baseline move measured shards."""
    at_cap = {hours: {**PAPER_CONFIG, "plan": {"max_job_hours": hours}} for hours in (4, 48, 2)}
    study = paper_study()
    JobPlan(study, plan_settings(validated(at_cap[4]))).record_layouts()
    rows, _ = planned(at_cap[48])  # nothing measured: split anew for the cap
    assert totals(rows)["all"]["jobs"] == 321
    sdxl = study.cell(
        "image_generation", "stabilityai--stable-diffusion-xl-base-1.0", "poloclub--diffusiondb"
    )
    (layout_path(sdxl).parent / "0000.csv").write_text("measured\n")  # one shard measured
    gpt2 = study.cell("text_generation", "gpt2", "wikitext")
    whole = Path(gpt2.result_path("measurements", ".csv"))
    whole.parent.mkdir(parents=True)
    whole.write_text("")  # measured whole (an empty file: no rows to refine the estimate)
    rows = {
        r.model: r
        for r in planned(at_cap[48])[0]
        if r.dataset in ("poloclub/diffusiondb", "wikitext")
    }
    assert rows["stabilityai/stable-diffusion-xl-base-1.0"].jobs == 80  # its recorded shards
    assert rows["stabilityai/stable-diffusion-xl-base-1.0"].problem == ""
    # At 2 h a recorded SDXL shard (110 min asked) fits, its retry does not: kept, and said so.
    jobs = JobPlan(study, plan_settings(validated(at_cap[2])))
    [kept] = [r for r in jobs.rows() if (r.model, r.dataset) == (sdxl.model.id, sdxl.dataset.id)]
    assert kept.jobs == 80 and "kept as they were measured" in kept.problem
    assert "results/shards/image_generation/stabilityai--stable-diffusion" in kept.problem
    # A changed idle baseline moves no measured shard.
    idle = {**at_cap[4], "protocol": {**PAPER_CONFIG["protocol"], "idle_seconds": 600}}
    assert JobPlan(study, plan_settings(validated(idle))).shards(cell_key(sdxl)) == read_layout(
        layout_path(sdxl)
    )
    # The cell measured whole is one job, even at a cap it no longer fits.
    tiny = {**PAPER_CONFIG, "plan": {"max_job_hours": 0.5}}
    [one] = [r for r in planned(tiny)[0] if (r.model, r.dataset) == ("gpt2", "wikitext")]
    assert one.jobs == 1 and "kept as they were measured" in one.problem


def test_a_cell_whose_adaptive_maximum_does_not_fit_one_job_is_said_to_run_fixed(workdir):
    protocol = {"repetitions": 3, "max_repetitions": 30, "target_relative_halfwidth": 0.02}
    config = {**PAPER_CONFIG, "protocol": {**PAPER_CONFIG["protocol"], **protocol}}
    rows, settings = planned(config)
    fixed = [r for r in rows if r.repetitions == 3]
    assert len(fixed) == 69 and all(r.repetitions == 30 for r in rows if r not in fixed)
    text = summary(rows, settings, paper_study(config).scenarios)
    assert "69 cells do not fit max_repetitions 30 in one job of max_job_hours 4 and run " in text
    assert "(24 image_generation, 20 summarization, " in text


def test_every_job_counts_its_idle_baseline(workdir):
    """Each measurement job measures its GPU's idle power before loading its model
    (protocol.idle_seconds): its time is in every job's estimate and request, and a cap too
    short for it is refused before any job."""
    rows = {}
    for idle in (30, 3600):
        protocol = {**PAPER_CONFIG["protocol"], "idle_seconds": idle}
        config = validated({**PAPER_CONFIG, "protocol": protocol})
        assert plan_settings(config).startup_s == 120 + idle
        rows[idle] = {(r.model, r.dataset): r for r in planned(config)[0]}
    gpt2 = ("gpt2", "wikitext")
    assert rows[3600][gpt2].gpu_hours - rows[30][gpt2].gpu_hours == pytest.approx(3570 / 3600)
    protocol = {**PAPER_CONFIG["protocol"], "idle_seconds": 3600}
    config = validated({**PAPER_CONFIG, "protocol": protocol, "plan": {"max_job_hours": 1}})
    with pytest.raises(ShardingError, match=r"plan.max_job_hours 1 is shorter than the smallest"):
        JobPlan(load_study(config, RUNNABLE_TASKS), plan_settings(config)).shards(("", "", ""))
