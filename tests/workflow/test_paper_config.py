"""The default config is the paper's full study: 312 cells, planned by a real (offline) dry run."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from helpers import REPO, copy_workflow, run_snakemake, validated

from powerhungry.data.hub import PARQUET_EXPORT, RENAMED_DATASETS
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS

pytestmark = pytest.mark.workflow

CONFIG = REPO / "config" / "config.yaml"
REFERENCE = REPO / "resources" / "reference" / "paper" / "measurements.csv.gz"
ZERO_SHOT_TASKS = ("text_classification", "extractive_qa", "summarization")


@pytest.fixture(scope="module")
def study():
    config = validated(yaml.safe_load(CONFIG.read_text()))
    return load_study(config, RUNNABLE_TASKS)


def job_stats(output: str) -> dict[str, int]:
    """The first "Job stats" table of Snakemake's output, as {rule: count}."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "Job stats:")
    counts: dict[str, int] = {}
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        match = re.fullmatch(r"\s*(\w+)\s+(\d+)\s*", line)
        if match:  # skips the header and the dashed rule
            counts[match[1]] = int(match[2])
    return counts


def test_dry_run_plans_the_full_study(tmp_path):
    workdir = copy_workflow(tmp_path / "workflow")
    result = run_snakemake(workdir, "-n", "--cores", "1", "--quiet", "rules")
    output = result.stdout + "\n" + result.stderr
    assert result.returncode == 0, output[-5000:]
    counts = job_stats(output)
    # 288 cells in one job each, 24 (image generation) in 426 shards merged per cell.
    assert counts["measure_inference"] == 288, counts
    assert counts["measure_shard"] == 426 and counts["merge_shards"] == 24, counts
    assert counts["sample_dataset"] == 30, counts
    assert counts["prepare_model"] == 88, counts
    assert not (workdir / "results").exists()  # a dry run creates nothing


def test_dry_run_of_the_deployment_overlay_plans_each_scenario(tmp_path):
    """config/deployment.yaml over the paper's config: its 312 cells at the paths they had,
    and 5 scenarios x 240 task-specific cells at their own; nothing else."""
    workdir = copy_workflow(tmp_path / "workflow")
    configs = ["--configfile", "config/config.yaml", "config/deployment.yaml"]
    result = run_snakemake(workdir, "-n", "--cores", "1", "--quiet", "rules", *configs)
    output = result.stdout + "\n" + result.stderr
    assert result.returncode == 0, output[-5000:]
    counts = job_stats(output)
    assert counts["measure_inference"] + counts["merge_shards"] == 312 + 5 * 240 == 1512, counts
    assert counts["sample_dataset"] == 30 and counts["prepare_model"] == 88, counts


def test_plan_has_80_task_specific_and_8_multi_purpose_models(study):
    assert set(study.tasks) == set(RUNNABLE_TASKS) and len(study.tasks) == 10
    task_specific = [m for m in study.models if m.kind == "task_specific"]
    multi_purpose = [m for m in study.models if m.kind == "multi_purpose"]
    assert len(task_specific) == 80 and len(multi_purpose) == 8
    for task in study.tasks:
        assert sum(m.task == task for m in task_specific) == 8, task
        assert sum(d.task == task for d in study.datasets) == 3, task
    assert all(m.tasks == list(ZERO_SHOT_TASKS) for m in multi_purpose)
    assert len(study.cells) == 80 * 3 + 8 * 9 == 312
    for model in multi_purpose:
        assert sum(cell.model is model for cell in study.cells) == 9, model.id


def test_ids_match_the_papers_measurements(study):
    table = pd.read_csv(REFERENCE, keep_default_na=False, na_values={"repetition": [""]})
    paper = table[table["in_paper"]]
    paper_datasets = {
        (row.task, row.dataset, row.dataset_config or None, row.dataset_split)
        for row in paper.itertuples()
    }
    # A dataset read from its parquet export names the paper's config as the export's folder;
    # a substitute keeps the paper's name, and reads another dataset's config and split.
    ours = {(d.task, d.id, d.config or d.data_dir, d.split) for d in study.datasets}
    assert {(task, id) for task, id, *_ in ours} == {(task, id) for task, id, *_ in paper_datasets}
    substituted = {d.id for d in study.datasets if d.substitute}
    assert {d for d in ours if d[1] not in substituted} == {
        d for d in paper_datasets if d[1] not in substituted
    }
    paper_models = set(zip(paper["model"], paper["model_kind"], strict=True))
    assert {(m.id, m.kind) for m in study.models} == paper_models


def test_datasets_are_read_from_todays_repositories_under_the_papers_names(study):
    # Two of the paper's datasets cannot be had today: each names a substitute and why.
    substitutes = {d.id: d.hub for d in study.datasets if d.substitute}
    assert substitutes == {"oscar": "HuggingFaceFW/fineweb", "visual_genome": "lmms-lab/flickr30k"}
    for dataset in study.datasets:
        if dataset.id not in substitutes:
            assert dataset.hub == RENAMED_DATASETS.get(dataset.id, dataset.id), dataset.id
    # Loading-script datasets are read from the Hub's parquet export, whose one config is
    # `default` (the original configs are its folders).
    exported = {d.id for d in study.datasets if d.revision == PARQUET_EXPORT}
    assert exported == {
        "conll2003",
        "bookcorpus",
        "samsum",
        "poloclub/diffusiondb",
        "THUDM/ImageRewardDB",
    }
    assert all(d.config is None for d in study.datasets if d.revision == PARQUET_EXPORT)


def test_zero_shot_generation_lengths(study):
    bloomz = study.model("bigscience--bloomz-7b1")
    flan = study.model("google--flan-t5-xl")

    def settings(model, task, dataset):
        return study.runner_settings(task, model, study.dataset(task, dataset))

    assert settings(bloomz, "summarization", "xsum")["max_new_tokens"] == 65
    assert settings(bloomz, "summarization", "cnn_dailymail")["max_new_tokens"] == 15
    assert settings(bloomz, "extractive_qa", "squad")["max_new_tokens"] == 65
    assert settings(bloomz, "text_classification", "imdb")["max_new_tokens"] == 1
    assert settings(flan, "summarization", "xsum")["max_new_tokens"] is None
    assert settings(flan, "text_classification", "imdb")["max_new_tokens"] is None
    prompt = settings(bloomz, "extractive_qa", "sciq")["prompt"]
    assert prompt == (
        '{question}? Find the answer to the question in the following text: "{context}". Answer:'
    )


def test_paper_preprocessing(study):
    for dataset in study.datasets:
        assert dataset.samples == 1000 and dataset.shuffle_seed is None, dataset.id
        if dataset.task == "masked_language_modeling":
            assert (dataset.max_words, dataset.mask_last_word) == (20, True), dataset.id
        elif dataset.task == "text_generation":
            assert dataset.max_words == 20, dataset.id
        elif dataset.task == "image_generation":
            assert dataset.max_words == 50, dataset.id
        elif dataset.task in ("image_classification", "object_detection", "image_captioning"):
            assert dataset.image_size == [640, 480], dataset.id
    assert study.tasks["text_generation"]["max_new_tokens"] == 10
    assert study.tasks["summarization"] == {"min_length": 10, "max_length": 15}
    protocol = study.protocol
    assert (protocol.batch_size, protocol.repetitions, protocol.warmup_inferences) == (1, 10, 0)
    assert protocol.carbon_intensity == 138.75


def test_architecture_study_plans_one_real_architecture_per_task(tmp_path):
    """config/architectures.yaml over the demo: the shipped real-size architectures with random
    weights, from local paths only (no hub)."""
    workdir = copy_workflow(tmp_path / "workflow")
    overlay = ["config/demo.yaml", "config/architectures.yaml"]
    args = ["--configfile", *overlay, "--replace-workflow-config", "-n", "--cores", "1"]
    result = run_snakemake(workdir, *args, "--quiet", "rules")
    output = result.stdout + "\n" + result.stderr
    assert result.returncode == 0, output[-5000:]
    counts = job_stats(output)
    # Ten models, one per task; text classification has two demo datasets.
    assert counts["prepare_model"] == 10 and counts["measure_inference"] == 11, counts
    config = yaml.safe_load((REPO / "config" / "architectures.yaml").read_text())
    assert all(m["source"] == "local" and m["weights"] == "random" for m in config["models"])


def planned_jobs(output: str, rule: str) -> list[tuple[dict[str, str], dict[str, str]]]:
    """(wildcards, resources) of each job of `rule` in a dry run's output."""

    def pairs(line: str) -> dict[str, str]:
        return dict(item.split("=", 1) for item in line.split(": ", 1)[1].split(", "))

    jobs, current = [], None
    for line in output.splitlines():
        text = line.strip()
        if text.startswith("rule "):
            current = {} if text == f"rule {rule}:" else None
        elif current is not None and text.startswith(("wildcards:", "resources:")):
            current[text.split(":", 1)[0]] = pairs(text)
            if len(current) == 2:
                jobs.append((current["wildcards"], current["resources"]))
                current = None
    return jobs


def test_slurm_jobs_ask_for_their_estimate_and_never_over_the_cap(tmp_path, monkeypatch):
    """The paper's study through profiles/slurm (dry run): every measurement job asks for at
    least its estimated time and memory and at most plan.max_job_hours; the 24 cells longer
    than that (image generation) run as shards, each within the cap."""
    from powerhungry.plan import plan_settings
    from powerhungry.plan.estimate import cell_shards
    from powerhungry.plan.jobs import JobPlan

    workdir = copy_workflow(tmp_path / "workflow")
    result = run_snakemake(workdir, "--profile", "profiles/slurm", "-n")
    output = result.stdout + "\n" + result.stderr
    assert result.returncode == 0, output[-5000:]
    config = validated(yaml.safe_load(CONFIG.read_text()))
    settings = plan_settings(config)
    study = load_study(config, RUNNABLE_TASKS)
    monkeypatch.chdir(workdir)  # the plan of that workflow folder: nothing prepared or measured
    estimates = {
        (c.task, c.model.slug, c.dataset.slug): (c, e)
        for c, e in zip(study.cells, JobPlan(study, settings).rows(), strict=True)
    }
    warmup = study.protocol.warmup_inferences
    cap = settings.max_job_hours * 60
    whole = planned_jobs(output, "measure_inference")
    shards = planned_jobs(output, "measure_shard")
    assert len(whole) == 288 and len(shards) == 426
    for wildcards, resources in [*whole, *shards]:
        key = (wildcards["task"], wildcards["model"], wildcards["dataset"])
        cell, estimate = estimates[key]
        if "shard" in wildcards:
            shard = cell_shards(estimate, cell, settings)[int(wildcards["shard"])]
            seconds = shard.seconds(estimate.load_s, estimate.query_s_per_inference, warmup)
        else:
            seconds = estimate.gpu_hours * 3600
        assert seconds / 60 <= int(resources["runtime"]) <= cap, (key, resources, seconds)
        assert int(resources["mem_mb"]) >= estimate.host_memory_gb * 1000, (key, resources)
        assert resources["gpu"] == "1"
    split = {(w["task"], w["model"], w["dataset"]) for w, _ in shards}
    assert len(split) == 24 and {task for task, _, _ in split} == {"image_generation"}
    assert not split & {(w["task"], w["model"], w["dataset"]) for w, _ in whole}


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"max_job_hours": 0.08}, "of it, and one repetition, or one load, warm-up"),
        ({"gpu_class": "a100-80"}, "plan.gpu_class: 'a100-80' is not a GPU class the plan knows"),
    ],
)
def test_a_plan_the_cluster_cannot_hold_stops_before_any_job(tmp_path, plan, message):
    workdir = copy_workflow(tmp_path / "workflow")
    (workdir / "config" / "plan.yaml").write_text(yaml.safe_dump({"plan": plan}))
    result = run_snakemake(workdir, "-n", "--cores", "1", "--configfile", "config/plan.yaml")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert message in output, output[-3000:]
    assert not (workdir / "results").exists()
