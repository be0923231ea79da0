"""The demo study run for real by Snakemake in a fresh copy of the workflow."""

import hashlib

import pandas as pd
import pytest
from conftest import run_snakemake
from PIL import Image

from powerhungry.analysis.summary import summarize

pytestmark = pytest.mark.workflow

CELLS = {
    (task, model, dataset)
    for task, models, datasets in [
        (
            "text_classification",
            ["demo/tiny-bert-sentiment", "demo/small-bert-sentiment"],
            ["movie_reviews", "short_reviews"],
        ),
        (
            "text_generation",
            ["demo/tiny-gpt2", "demo/small-gpt2"],
            ["news_paragraphs", "story_openings"],
        ),
    ]
    for model in models
    for dataset in datasets
}


@pytest.fixture(scope="module")
def measurements(demo_run):
    return pd.read_csv(demo_run / "results" / "tables" / "measurements.csv")


def test_every_cell_every_repetition_and_phase_has_measured_energy(measurements):
    assert (
        set(zip(measurements["task"], measurements["model"], measurements["dataset"], strict=True))
        == CELLS
    )
    assert len(measurements) == len(CELLS) * 3 * 2  # 3 repetitions x (load, query)
    assert measurements.groupby(["model", "dataset"])["repetition"].nunique().eq(3).all()
    assert set(measurements["phase"]) == {"load", "query"}
    for column in ["energy_kwh", "cpu_energy_kwh", "ram_energy_kwh", "emissions_kg", "duration_s"]:
        assert (measurements[column] > 0).all(), column
    assert (measurements["n_inferences"] == 8).all()
    assert (measurements["model_kind"] == "task_specific").all()


def test_rows_carry_their_provenance(demo_run, measurements):
    for column in [
        "hostname",
        "cpu_model",
        "torch_version",
        "transformers_version",
        "codecarbon_version",
        "python_version",
        "workflow_commit",
        "started_at",
    ]:
        assert measurements[column].notna().all() and (measurements[column] != "").all(), column
    assert set(measurements["model_revision"]) == {"random-weights"}
    assert set(measurements["device"]) == {"cpu"}
    assert set(measurements["carbon_intensity_setting"]) == {"USA"}
    sample = demo_run / "results" / "samples" / "text_classification" / "movie_reviews.parquet"
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    assert set(measurements.loc[measurements["dataset"] == "movie_reviews", "dataset_sha256"]) == {
        digest
    }


def test_codecarbon_raw_csv_is_kept_beside_each_cell(demo_run):
    raw = pd.read_csv(
        demo_run
        / "results"
        / "measurements"
        / "text_generation"
        / "demo--tiny-gpt2"
        / "story_openings.codecarbon.csv"
    )
    assert sorted(raw["task_name"]) == ["load"] * 3 + ["query"] * 3
    assert raw["run_id"].nunique() == 3


def test_summary_tables_follow_from_the_measurements(demo_run, measurements):
    tables = demo_run / "results" / "tables"
    task_summary = pd.read_csv(tables / "task_summary.csv")
    assert sorted(task_summary["task"]) == ["text_classification", "text_generation"]
    assert (task_summary["n_models"] == 2).all()
    assert (task_summary["energy_kwh_per_1k_mean"] > 0).all()
    expected = summarize(measurements)["task_summary"]
    pd.testing.assert_frame_equal(task_summary, expected, check_dtype=False)
    assert len(pd.read_csv(tables / "model_summary.csv")) == 4


def test_figure_is_written_as_png_and_pdf(demo_run):
    figures = demo_run / "results" / "figures"
    with Image.open(figures / "energy_per_task.png") as image:
        assert image.size == (900, 720)  # 6 x 4.8 inches at 150 dpi
        darkest, brightest = image.convert("L").getextrema()
        assert darkest < 100 < brightest  # drawn, not blank
    assert (figures / "energy_per_task.pdf").read_bytes().startswith(b"%PDF")


def test_a_second_run_has_nothing_to_do(demo_run):
    result = run_snakemake(demo_run, "--profile", "profiles/demo", "-n")
    assert result.returncode == 0
    assert "Nothing to be done" in result.stdout + result.stderr


def test_lint_is_clean(demo_run):
    result = run_snakemake(demo_run, "--lint", "--profile", "profiles/demo")
    output = result.stdout + result.stderr
    assert "Congratulations, your workflow is in a good condition!" in output, output
