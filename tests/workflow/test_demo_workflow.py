"""The demo study run for real by Snakemake in a fresh copy of the workflow."""

import hashlib
import io
import json
import os
import re
from contextlib import contextmanager

import frictionless
import pandas as pd
import pytest
import torch
import yaml
from browser import DevToolsPage, dump_dom, require_chromium, visible_cells
from helpers import REPO, SECRET_TOKEN, ended_within, run_snakemake
from PIL import Image

from powerhungry.analysis.summary import summarize
from powerhungry.explorer.records import NO_GPU, NOT_MEASURED
from powerhungry.forkserver import FORKED_NOTICE, OWN_PROCESS_NOTICE
from powerhungry.offline import OFFLINE_NOTICE, REFUSAL
from powerhungry.plots.registry import FIGURES
from powerhungry.tasks import RUNNABLE_TASKS

pytestmark = pytest.mark.workflow

TASKS = set(RUNNABLE_TASKS)  # all ten
ZERO_SHOT = {"demo/tiny-bart-instruct", "demo/tiny-gpt2-instruct"}
# The protocol's scenario: 13 task-specific cells + 2 multi-purpose models x 3 datasets; then
# the task-specific cells again at 4 samples per call (config/demo.yaml, scenario batch4).
N_DEFAULT_CELLS = 19
N_CELLS = N_DEFAULT_CELLS + 13
CELL = ["scenario", "task", "model", "dataset"]


@pytest.fixture(scope="module")
def measurements(demo_run):
    return pd.read_csv(demo_run / "results" / "tables" / "measurements.csv")


def test_every_cell_every_repetition_and_phase_has_measured_energy(measurements):
    cells = measurements.groupby(CELL)
    assert cells.ngroups == N_CELLS
    assert set(measurements["task"]) == TASKS
    assert len(measurements) == N_CELLS * 3 * 2  # 3 repetitions x (load, query)
    assert cells["repetition"].nunique().eq(3).all()
    assert set(measurements["phase"]) == {"load", "query"}
    for column in ["energy_kwh", "cpu_energy_kwh", "ram_energy_kwh", "emissions_kg", "duration_s"]:
        assert (measurements[column] > 0).all(), column
    zero_shot = measurements[measurements["model_kind"] == "multi_purpose"]
    assert set(zero_shot["model"]) == ZERO_SHOT
    assert set(zero_shot["task"]) == {"text_classification", "extractive_qa", "summarization"}
    # Two scenarios: the protocol's, one sample a call; the task-specific models at four.
    settings = measurements.groupby("scenario")[["batch_size", "model_kind"]].agg(set)
    assert settings.loc["default", "batch_size"] == {1}
    assert settings.loc["batch4", "batch_size"] == {4}
    assert settings.loc["batch4", "model_kind"] == {"task_specific"}


def test_rows_carry_their_provenance(demo_run, measurements):
    for column in [
        "hostname",
        "cpu_model",
        "torch_version",
        "cuda_version",
        "transformers_version",
        "codecarbon_version",
        "python_version",
        "workflow_commit",
        "started_at",
    ]:
        assert measurements[column].notna().all() and (measurements[column] != "").all(), column
    assert set(measurements["model_revision"]) == {"random-weights"}
    query = measurements[measurements["phase"] == "query"]
    # Image prompts: 4 samples, in both scenarios.
    assert (query["n_inferences"] == 8).sum() == len(query) - 2 * 3
    assert (measurements.query("phase == 'load'")["n_inferences"] == 0).all()
    assert set(measurements["model_weights"]) == {"random"}  # tiny models: never trained
    assert set(measurements["device"]) == {"cpu"}
    assert set(measurements["carbon_intensity_setting"]) == {"USA"}
    sample = demo_run / "results" / "samples" / "text_classification" / "movie_reviews.parquet"
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    assert set(measurements.loc[measurements["dataset"] == "movie_reviews", "dataset_sha256"]) == {
        digest
    }
    # Local sources: no hub revision, no commit (empty, never made up), as the sample's record says.
    assert measurements["dataset_revision"].isna().all()
    assert measurements["dataset_commit"].isna().all()
    record = json.loads(sample.with_suffix(".json").read_text())
    assert (record["sha256"], record["rows"], record["commit"]) == (digest, 8, None)


def test_codecarbon_raw_csv_is_kept_beside_each_cell(demo_run):
    raw = pd.read_csv(
        demo_run
        / "results"
        / "measurements"
        / "text_generation"
        / "demo--tiny-gpt2"
        / "news_paragraphs.codecarbon.csv"
    )
    assert sorted(raw["task_name"]) == ["load"] * 3 + ["query"] * 3
    assert raw["run_id"].nunique() == 3


def test_measurement_jobs_ran_offline_and_opened_no_connection(demo_run):
    logs = [*(demo_run / "logs" / "measure_inference").rglob("*.log")]
    assert len(logs) == N_CELLS
    for log in logs:
        text = log.read_text()
        assert OFFLINE_NOTICE in text and "HF_HUB_OFFLINE=1" in text, log
        assert REFUSAL not in text, log


def served_by(log) -> int | None:
    """The pid of the fork server's child that ran this job's log, None if it ran in its own
    process."""
    first = log.read_text().partition("\n")[0]
    served = re.fullmatch(re.escape(FORKED_NOTICE) + r" \(pid (\d+)\)", first)
    return int(served.group(1)) if served else None


def test_each_cell_is_measured_in_a_child_of_one_fork_server_that_ends_with_the_run(demo_run):
    logs = sorted((demo_run / "logs" / "measure_inference").rglob("*.log"))
    assert len(logs) == N_CELLS
    children = {served_by(log) for log in logs}
    assert None not in children, [log for log in logs if served_by(log) is None]
    assert len(children) == N_CELLS  # one process per cell
    # The builds after the first measurement job set the server up are its children too; those
    # before it ran in their own processes, saying why.
    manifests = sorted((demo_run / "cache" / "demo" / "models").glob("*.json"))
    assert {json.loads(m.read_text())["source"] for m in manifests} == {"tiny"}
    builds = [demo_run / "logs" / "prepare_model" / f"{m.stem}.log" for m in manifests]
    built_by = {log: served_by(log) for log in builds}
    served = [pid for pid in built_by.values() if pid is not None]
    assert served, "no build was served"
    assert len(set(served)) == len(served) and not set(served) & children  # one process per job
    not_set_up = f"{OWN_PROCESS_NOTICE}: the fork server is not set up yet"
    for log, pid in built_by.items():
        if pid is None:
            assert log.read_text().startswith(not_set_up), log
    # Every table, figure and the explorer come after the measurements: each its own child.
    tail = [
        demo_run / "logs" / f"{rule}.log"
        for rule in ("aggregate_measurements", "summarize_measurements", "build_explorer")
    ] + sorted((demo_run / "logs").glob("plot_*.log"))
    assert len(tail) == 3 + len(FIGURES)
    tail_pids = {log: served_by(log) for log in tail}
    assert None not in tail_pids.values(), [log for log, pid in tail_pids.items() if pid is None]
    pids = set(tail_pids.values())
    assert len(pids) == len(tail) and not pids & (children | set(served))
    started = (demo_run / "logs" / "forkserver.log").read_text()
    server = int(re.search(r"fork server for the run's jobs at \S+, pid (\d+)", started)[1])
    assert server not in children
    assert ended_within(server, 10)  # it sees its Snakemake gone within a second


def test_no_file_the_run_writes_holds_the_hub_token(demo_run):
    written = [
        p
        for folder in ("results", "logs", "cache", ".snakemake/log")
        for p in (demo_run / folder).rglob("*")
        if p.is_file()
    ]
    assert len(written) > 100
    assert not [p for p in written if SECRET_TOKEN.encode() in p.read_bytes()]


def test_no_two_measurements_ran_at_the_same_time(measurements):
    """--resources gpu=1: one measurement at a time (they would share, and blur, the device)."""
    spans = (
        measurements.assign(
            start=pd.to_datetime(measurements["started_at"]),
            end=pd.to_datetime(measurements["ended_at"]),
        )
        .groupby(CELL)
        .agg(start=("start", "min"), end=("end", "max"))
        .sort_values("start")
    )
    assert len(spans) == N_CELLS
    assert (spans["start"].iloc[1:].to_numpy() >= spans["end"].iloc[:-1].to_numpy()).all()


def test_summary_tables_follow_from_the_measurements(demo_run, measurements):
    tables = demo_run / "results" / "tables"
    task_summary = pd.read_csv(tables / "task_summary.csv")
    kinds = task_summary.groupby("model_kind")["task"].apply(set)
    assert kinds["task_specific"] == TASKS
    assert kinds["multi_purpose"] == {"text_classification", "extractive_qa", "summarization"}
    assert (task_summary["energy_kwh_per_1k_mean"] > 0).all()
    missing = pd.read_csv(tables / "missing_cells.csv")
    expected = summarize(measurements, missing)["task_summary"]
    # As written and read back: an empty text column (no substituted dataset) reads as NaN.
    expected = pd.read_csv(io.StringIO(expected.to_csv(index=False)))
    pd.testing.assert_frame_equal(task_summary, expected, check_dtype=False)
    # 11 task-specific and 2 multi-purpose models on 3 tasks; the 11 again at batch size 4.
    assert len(pd.read_csv(tables / "model_summary.csv")) == 11 + 2 * 3 + 11


def test_quality_is_scored_where_there_are_references(demo_run):
    quality = pd.read_csv(demo_run / "results" / "tables" / "quality.csv")
    metrics = quality.groupby("task")["metric"].apply(set).to_dict()
    assert metrics == {
        "text_classification": {"accuracy"},
        "token_classification": {"entity_f1"},
        "extractive_qa": {"exact_match", "f1"},
        "masked_language_modeling": {"accuracy_at_1"},
        "summarization": {"rouge1", "rouge2", "rougeL"},
        "image_classification": {"accuracy"},
    }
    assert quality["value"].between(0, 1).all()
    assert (quality["n_scored"] == quality["n_samples"]).all()  # every demo sample has a reference
    zero_shot = quality[quality["model_kind"] == "multi_purpose"]
    assert len(zero_shot) == 2 * (1 + 2 + 3)


def test_lengths_record_tokens_and_images_per_cell(demo_run):
    lengths = pd.read_csv(demo_run / "results" / "tables" / "lengths.csv")
    assert len(lengths) == N_CELLS
    lengths = lengths[lengths["scenario"] == "default"].set_index(["model", "dataset"])
    images = lengths.loc[("demo/tiny-stable-diffusion", "image_prompts")]
    assert (images["mean_image_width"], images["mean_inference_steps"]) == (32, 2)
    generation = lengths.loc[("demo/tiny-gpt2", "news_paragraphs")]
    assert generation["mean_input_tokens"] > 0 and 0 < generation["mean_output_tokens"] <= 10
    # BLOOMz-style length: one new token for sentiment.
    assert lengths.loc[("demo/tiny-gpt2-instruct", "movie_reviews"), "mean_output_tokens"] == 1
    # Truncation is counted, not hidden: the tiny CLIP text encoder takes 16 tokens (2 of the 4
    # prompts are longer in CLIP's tokens), and a decoder-only prompt leaves room for its 65 new
    # tokens in the tiny GPT-2's 128 positions.
    assert lengths.loc[("demo/tiny-stable-diffusion", "image_prompts"), "n_truncated"] == 2
    assert lengths.loc[("demo/tiny-gpt2-instruct", "qa_pairs"), "mean_input_tokens"] <= 128 - 65
    assert (
        lengths.loc[["demo/tiny-bert-sentiment", "demo/tiny-bert-ner"], "n_truncated"] == 0
    ).all()


def test_figure_is_written_as_png_and_pdf(demo_run):
    figures = demo_run / "results" / "figures"
    with Image.open(figures / "energy_per_task.png") as image:
        assert image.size == (1950, 720)  # (1.1 x 10 tasks + 2) x 4.8 inches at 150 dpi
        darkest, brightest = image.convert("L").getextrema()
        assert darkest < 100 < brightest  # drawn, not blank
    assert (figures / "energy_per_task.pdf").read_bytes().startswith(b"%PDF")


def test_every_paper_figure_is_drawn_at_its_size(demo_run):
    sizes = {"zero_shot_dataset_emissions": (1500, 750), "ours_vs_paper": (1125, 900)}
    sizes["multi_purpose_emissions_by_task"] = (1275, 900)
    sizes["energy_per_task"] = (1950, 720)  # also checked above
    for name in FIGURES:
        with Image.open(demo_run / "results" / "figures" / f"{name}.png") as image:
            if name == "precision_at_batch_size_1":  # the demo measures float32 only: a message
                assert image.size == (1125, 750), name
            elif FIGURES[name].all_scenarios:  # a panel per task: taller
                assert image.size == (2070, 1995), name  # 10 tasks, 3 panels a row
            else:
                assert image.size == sizes.get(name, (1125, 750)), name
            darkest, brightest = image.convert("L").getextrema()
            assert darkest < 100 < brightest, name
        assert (demo_run / "results" / "figures" / f"{name}.pdf").read_bytes().startswith(b"%PDF")
    # On the CPU, GPU energy above idle is not measured: the figure says so, drawing nothing.
    log = (demo_run / "logs" / "plot_above_idle_per_task.log").read_text()
    assert "drawn as a message" in log and "not measured" in log
    # Its two scenarios are batch sizes 1 and 4, both in float32: no precision to compare.
    log = (demo_run / "logs" / "plot_precision_at_batch_size_1.log").read_text()
    assert "drawn as a message" in log and "one dtype only (float32)" in log


def test_paper_tables_from_the_demo(demo_run):
    tables = demo_run / "results" / "tables"
    multi_purpose = pd.read_csv(tables / "multi_purpose.csv")
    assert set(multi_purpose["model"]) == ZERO_SHOT
    assert len(multi_purpose) == 2 * (1 + 3)  # overall, then its three tasks
    assert set(multi_purpose["architecture_kind"]) == {"seq2seq", "decoder_only"}
    # The paper's BLOOMz training figures by default; none of them is measured in the demo.
    break_even = pd.read_csv(tables / "break_even.csv")
    assert len(break_even) == 4 and break_even["break_even_inferences"].isna().all()
    assert set(break_even["note"]) == {"not measured in this study"}
    comparison = pd.read_csv(tables / "comparison.csv")
    assert (comparison["level"] == "task").sum() == 13  # 10 tasks + 3 zero-shot tasks
    assert (comparison["energy_ratio"] > 0).all()
    # What differs from the paper's run is stated beside it: its A100s and Oregon's intensity.
    setup = pd.read_csv(tables / "comparison_setup.csv").set_index("property")
    assert setup.loc["GPU", "paper"] == "8 x NVIDIA A100-SXM4-80GB"
    assert setup.loc["device", "ours"] == "cpu" and setup.loc["GPU", "ours"] == "none"
    assert "oregon" in setup.loc["carbon intensity setting", "paper"]  # and 12 rows in quebec
    assert setup.loc["carbon intensity (g CO2eq/kWh)", "differs"]
    assert pd.read_csv(tables / "missing_cells.csv").empty
    assert (pd.read_csv(tables / "task_summary.csv")["n_cells_missing"] == 0).all()


def read_as_described(path, fields):
    """A CSV read with the types its data package gives it: text as text, datetimes parsed."""
    table = pd.read_csv(path, dtype={f["name"]: "str" for f in fields if f["type"] == "string"})
    for name in (f["name"] for f in fields if f["type"] == "datetime"):
        table[name] = pd.to_datetime(table[name], utc=True, format="ISO8601")
    return with_booleans(table, fields)


def with_booleans(table, fields):
    """Boolean columns as pandas' nullable booleans: an empty one (unknown) is <NA> whether it
    was read from CSV (NaN) or parquet (None)."""
    for name in (f["name"] for f in fields if f["type"] == "boolean"):
        table[name] = table[name].astype("boolean")
    return table


def test_every_table_is_in_a_valid_data_package_and_in_parquet(demo_run):
    results = demo_run / "results"
    report = frictionless.validate(results / "datapackage.json")
    assert report.valid, report.flatten(["title", "type", "note", "fieldName", "rowNumber"])
    package = json.loads((results / "datapackage.json").read_text())
    resources = {r["path"]: r for r in package["resources"]}
    assert set(resources) == {f"tables/{p.name}" for p in (results / "tables").glob("*.csv")}
    for path, resource in resources.items():
        fields = resource["schema"]["fields"]
        assert all(f["description"] for f in fields), path
        parquet = with_booleans(pd.read_parquet((results / path).with_suffix(".parquet")), fields)
        expected = read_as_described(results / path, fields)
        pd.testing.assert_frame_equal(parquet, expected, check_dtype=False, obj=path)


def test_a_second_run_has_nothing_to_do(demo_run):
    result = run_snakemake(demo_run, "--profile", "profiles/demo", "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_lint_is_clean(demo_run):
    result = run_snakemake(demo_run, "--lint", "--profile", "profiles/demo")
    output = result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in output, output


def test_three_energy_metrics_and_the_idle_baseline(demo_run, measurements):
    # The demo has no GPU: GPU energy, its jobs' idle baselines and above-idle energy are not
    # measured, so empty, never 0; no cell is flagged for what was not measured.
    for column in (
        "gpu_energy_kwh",
        "gpu_idle_power_w",
        "idle_duration_s",
        "gpu_energy_above_idle_kwh",
    ):
        assert measurements[column].isna().all(), column
    summary = pd.read_csv(demo_run / "results" / "tables" / "task_summary.csv")
    for metric in ["energy_kwh", "gpu_energy_kwh", "gpu_energy_above_idle_kwh"]:
        assert f"{metric}_per_1k_mean" in summary.columns
        assert summary[f"{metric}_per_1k_mean"].notna().all() == (metric == "energy_kwh")
    assert summary["n_cells_above_idle_unresolved"].isna().all()  # not measured: not counted
    cells = pd.read_csv(demo_run / "results" / "tables" / "cell_summary.csv")
    assert cells["above_idle_flag"].isna().all()


def test_each_cell_reports_its_spread(demo_run):
    cells = pd.read_csv(demo_run / "results" / "tables" / "cell_summary.csv")
    assert len(cells) == N_CELLS
    assert (cells["n_repetitions"] == 3).all()
    assert (cells["energy_kwh_per_1k_halfwidth_95"] > 0).all()
    assert (cells["relative_halfwidth_95"] > 0).all()


def job_counts(output):
    """The 'Job stats' table of a dry run, as {rule: count}."""
    lines = output.split("Job stats:")[1].splitlines()[3:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or parts[0] == "total":
            break
        counts[parts[0]] = int(parts[1])
    return counts


PLOTS = [f"plot_{name}" for name in FIGURES]  # one rule per figure of the registry
# Rules that read the measurements or the whole config: each runs once again after any new cell.
TABLES_AND_FIGURES = {
    "plan_study",
    "aggregate_measurements",
    "summarize_measurements",
    "score_quality",
    "tabulate_lengths",
    "tabulate_multi_purpose",
    "tabulate_break_even",
    "compare_with_paper",
    "package_tables",
    "build_explorer",
    "plot_energy_per_task",
    *PLOTS,
    "all",
}


def dry_run_with(demo_run, config, name):
    (demo_run / "config" / name).write_text(yaml.safe_dump(config))
    options = ["--configfile", f"config/{name}", "--replace-workflow-config"]
    result = run_snakemake(demo_run, "-n", "--cores", "2", *options)
    assert result.returncode == 0, result.stderr[-3000:]
    return job_counts(result.stdout + result.stderr)


def test_adding_a_model_measures_only_its_cells(demo_run):
    config = yaml.safe_load((demo_run / "config" / "demo.yaml").read_text())
    config["models"].append(
        {
            "id": "demo/another-bert-sentiment",
            "task": "text_classification",
            "source": "tiny",
            "tiny": {"architecture": "bert_sequence_classification", "hidden_size": 64},
        }
    )
    counts = dry_run_with(demo_run, config, "demo_plus_model.yaml")
    assert counts.pop("prepare_model") == 1
    # Its two datasets in both scenarios; no other cell reruns.
    assert counts.pop("measure_inference") == 2 * 2
    assert counts == dict.fromkeys(TABLES_AND_FIGURES, 1)


def test_adding_a_dataset_measures_only_its_cells(demo_run):
    config = yaml.safe_load((demo_run / "config" / "demo.yaml").read_text())
    config["datasets"].append(
        {
            "id": "more_reviews",
            "task": "text_classification",
            "path": "resources/demo/movie_reviews.jsonl",
            "fields": {"text": "review", "label": "label"},
            "samples": 4,
        }
    )
    counts = dry_run_with(demo_run, config, "demo_plus_dataset.yaml")
    assert counts.pop("sample_dataset") == 1
    # The two task-specific sentiment models, in both scenarios.
    assert counts.pop("measure_inference") == 2 * 2
    assert counts == dict.fromkeys(TABLES_AND_FIGURES, 1)


def test_adding_a_scenario_measures_only_its_cells(demo_run):
    """A third scenario, for one model: its cells, then the tables and figures; nothing the
    two scenarios measured reruns."""
    config = yaml.safe_load((demo_run / "config" / "demo.yaml").read_text())
    config["scenarios"].append(
        {"name": "batch2", "batch_size": 2, "models": ["demo/tiny-bert-sentiment"]}
    )
    counts = dry_run_with(demo_run, config, "demo_plus_scenario.yaml")
    assert counts.pop("measure_inference") == 2  # its two datasets
    assert counts == dict.fromkeys(TABLES_AND_FIGURES, 1)


def test_batched_predictions_are_those_made_one_at_a_time(demo_run):
    """The batch-4 scenario's predictions are the default scenario's, sample by sample, for
    every task whose answer does not depend on floating-point noise in the last bits (tested
    per task with stated tolerances in tests/unit/test_batch_consistency.py)."""
    predictions = demo_run / "results" / "predictions"
    compared = 0
    for batched in predictions.rglob("*@batch4.parquet"):
        one_by_one = batched.with_name(batched.name.replace("@batch4", ""))
        task = batched.relative_to(predictions).parts[0]
        if task in ("object_detection", "image_generation"):
            continue  # scores and pixels: within tolerances, not equal
        a, b = pd.read_parquet(one_by_one), pd.read_parquet(batched)
        columns = ["sample_index", "prediction", "input_tokens", "output_tokens", "truncated"]
        pd.testing.assert_frame_equal(a[columns], b[columns], obj=str(batched))
        compared += 1
    assert compared == 13 - 2  # the detector's and the diffusion model's cells left out


def test_the_scenarios_compared(demo_run):
    table = pd.read_csv(demo_run / "results" / "tables" / "scenario_summary.csv")
    assert set(table["scenario"]) == {"default", "batch4"}
    batch4 = table[table["scenario"] == "batch4"]
    assert len(batch4) == 11 and set(batch4["batch_size"]) == {4}
    assert (batch4["energy_ratio_to_default"] > 0).all()
    low, high = batch4["energy_ratio_to_default_low"], batch4["energy_ratio_to_default_high"]
    assert (low <= batch4["energy_ratio_to_default"]).all()
    assert (batch4["energy_ratio_to_default"] <= high).all()
    assert (batch4["seconds_per_batch"] == 4 * batch4["seconds_per_inference"]).all()
    assert table["energy_ratio_to_default"][table["scenario"] == "default"].isna().all()


def test_settings_that_cannot_change_a_measurement_replan_none(demo_run):
    """Each job measures its own idle baseline and its rows record how long: its duration
    changes no cell's energy, so changing it replans no cell, only the plan's table (jobs ask
    for its time); so do the plan's settings (other cells' entries: the adding tests above)."""
    config = yaml.safe_load((demo_run / "config" / "demo.yaml").read_text())
    config["protocol"]["idle_seconds"] += 1
    # The plan's table, and the data package that describes it and copies it to parquet.
    replanned = {"plan_study": 1, "package_tables": 1, "all": 1}
    assert dry_run_with(demo_run, config, "demo_idle.yaml") == replanned
    # What jobs ask the cluster for (plan:) changes the plan's table only.
    config = yaml.safe_load((demo_run / "config" / "demo.yaml").read_text())
    config["plan"] = {"gpu_class": "h100", "safety_factor": 3, "max_job_hours": 24}
    assert dry_run_with(demo_run, config, "demo_plan.yaml") == replanned


@contextmanager
def edited(path):
    """Append a line to a file for the block, then restore its content and modification time,
    so that later tests on the shared demo run see it untouched."""
    original, times = path.read_text(), path.stat()
    path.write_text(original + "\n# an edit\n")
    try:
        yield
    finally:
        path.write_text(original)
        os.utime(path, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_editing_a_report_caption_reruns_nothing(demo_run):
    with edited(demo_run / "report" / "task_summary.rst"):
        result = run_snakemake(demo_run, "--profile", "profiles/demo", "-n")
        assert "Nothing to be done" in result.stdout + result.stderr


def test_editing_the_plotting_script_reruns_only_the_plots(demo_run):
    """Every figure's rule runs scripts/plot_figure.py: editing it redraws the figures only."""
    with edited(demo_run / "scripts" / "plot_figure.py"):
        result = run_snakemake(demo_run, "--profile", "profiles/demo", "-n")
        counts = job_counts(result.stdout + result.stderr)
        assert counts == {"plot_energy_per_task": 1, **dict.fromkeys(PLOTS, 1), "all": 1}


def test_report_embeds_every_table_and_figure_with_its_caption(demo_run):
    report = demo_run / "results" / "report.html"
    result = run_snakemake(demo_run, "--profile", "profiles/demo", "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    html = report.read_text()
    results = demo_run / "results"
    outputs = [*(results / "tables").glob("*.csv"), *(results / "figures").glob("*.png")]
    # Tables (comparison_setup and scenario_summary among them), figures (the three comparing
    # deployment scenarios among them).
    assert len(outputs) == 13 + 14
    for output in [*outputs, results / "explorer.html"]:
        assert output.name in html, output.name
    for caption in (REPO / "report").rglob("*.rst"):
        if caption.name != "workflow.rst":  # the report's front page, not a caption
            opening = " ".join(caption.read_text().replace("``", "").split()[:5])
            assert opening in html, caption


@pytest.mark.browser
def test_explorer_of_the_demo_filters_in_a_browser(demo_run):
    browser = require_chromium()
    cells = pd.read_csv(demo_run / "results" / "tables" / "cell_summary.csv")
    url = (demo_run / "results" / "explorer.html").as_uri()
    assert len(cells) == N_CELLS
    # The protocol's own scenario first; the other one by the scenario filter.
    assert visible_cells(dump_dom(browser, url)) == N_DEFAULT_CELLS
    batch4 = dump_dom(browser, f"{url}#scenario=batch4")
    assert visible_cells(batch4) == (cells["scenario"] == "batch4").sum() == N_CELLS - 19
    filtered = dump_dom(browser, f"{url}#task=summarization")
    default = cells[cells["scenario"] == "default"]
    assert visible_cells(filtered) == (default["task"] == "summarization").sum() == 3
    # The real rows, on a phone's width and a laptop's (screenshots for a person to look at):
    # measured on the CPU, so no GPU energy and no GPU in the hardware panel.
    with DevToolsPage(browser) as page:
        for width in (390, 1366):
            page.resize(width, 844)
            page.open(url)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            png = page.screenshot(REPO / "test-artifacts" / f"demo-{width}.png")
            assert png.stat().st_size > 10_000
        gpu = page.evaluate(
            "(() => { const i = [...document.querySelectorAll('#cells thead th')]"
            ".findIndex(h => h.dataset.key === 'gpu_energy_kwh_per_1k');"
            " return [...document.querySelectorAll('#cells tbody tr')]"
            ".map(r => r.cells[i].textContent); })()"
        )
        assert gpu == [NOT_MEASURED] * N_DEFAULT_CELLS
        panel = page.evaluate("document.getElementById('setups').innerText")
        # One setup per batch size: the scenarios' cells.
        assert "Setup 1 of 2: 19 cells" in panel and "Setup 2 of 2: 13 cells" in panel
        assert f"GPU\n{NO_GPU}" in panel and "batch size\n4" in panel
        assert f"torch\n{torch.__version__}" in panel
        assert f"CUDA\n{torch.version.cuda or 'none'}" in panel
