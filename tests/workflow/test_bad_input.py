"""Bad configs stop before any job; bad sources fail in the job that needs them, naming them."""

import re
import shlex

import pandas as pd
import pytest
import yaml
from helpers import copy_workflow, run_snakemake, small_study


@pytest.fixture
def workflow(tmp_path):
    return copy_workflow(tmp_path / "workflow")


def run_study(workflow, study, *extra):
    (workflow / "config" / "test.yaml").write_text(yaml.safe_dump(study))
    return run_snakemake(
        workflow,
        "--configfile",
        "config/test.yaml",
        "--replace-workflow-config",
        "--cores",
        "2",
        "--resources",
        "gpu=1",
        *extra,
    )


# The first runs in the fast tier (Snakemake stops on a bad config before any job); the others,
# each a Snakemake start of ~3 s, with the workflow tier (tests/unit/test_study.py checks every
# message in-process).
@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"protocol": {"repetitons": 2}}, "repetitons"),
        pytest.param(
            {"models": [{"id": "x", "task": "text_classification", "kind": "generic"}]},
            "generic",
            marks=pytest.mark.workflow,
        ),
        pytest.param(
            {"models": [{"id": "x", "task": "summarization"}]},
            "models[0].task",
            marks=pytest.mark.workflow,
        ),
        pytest.param(
            {"datasets": [{"id": "imdb", "task": "text_classification", "hub": "imdb"}]},
            "datasets[0].hub: dataset 'imdb': 'imdb' has no namespace",
            marks=pytest.mark.workflow,
        ),
    ],
)
def test_invalid_config_stops_before_any_job(workflow, change, named):
    result = run_study(workflow, small_study(**change))
    assert result.returncode != 0
    assert named in result.stderr
    assert "Failed validating" not in result.stderr  # the key and the problem, not the schema
    assert not (workflow / "results").exists()
    assert not (workflow / "logs").exists()


@pytest.mark.workflow
def test_missing_dataset_path_stops_the_run_before_any_job_naming_the_dataset(workflow):
    study = small_study()
    study["datasets"][0]["path"] = "resources/demo/no_such_file.jsonl"
    result = run_study(workflow, study)
    assert result.returncode != 0
    # Preflight (the workflow's onstart) names the entry, the cause and the fix; no job ran.
    assert (
        "dataset 'reviews' (text_classification): error: local path "
        "'resources/demo/no_such_file.jsonl' does not exist: fix path: on its entry"
    ) in result.stderr
    assert "preflight stopped the run before any job" in result.stderr
    assert not (workflow / "logs" / "sample_dataset").exists()
    assert not (
        workflow / "results" / "samples" / "text_classification" / "reviews.parquet"
    ).exists()


@pytest.mark.workflow
def test_missing_model_path_stops_the_run_before_any_job_naming_the_model(workflow):
    study = small_study(
        models=[
            {
                "id": "lab/finetuned",
                "task": "text_classification",
                "source": "local",
                "path": "/nonexistent/model",
            }
        ]
    )
    result = run_study(workflow, study)
    assert result.returncode != 0
    assert "model 'lab/finetuned': local path '/nonexistent/model' does not exist" in result.stderr
    assert "preflight stopped the run before any job" in result.stderr
    assert not (workflow / "logs" / "prepare_model").exists()


@pytest.mark.workflow
def test_a_failing_model_is_reported_in_missing_cells_and_left_out_of_the_tables(workflow):
    broken = workflow / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    study = small_study()
    study["models"].append(
        {"id": "lab/broken", "task": "text_classification", "source": "local", "path": str(broken)}
    )
    tables = workflow / "results" / "tables"
    # The tables this test reads (the figures and the explorer after them are tested elsewhere).
    targets = [f"results/tables/{name}.csv" for name in ("measurements", "task_summary", "lengths")]
    result = run_study(workflow, study, "--keep-going", *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    measured = pd.read_csv(tables / "measurements.csv")
    assert set(measured["model"]) == {"test/tiny"}
    (missing,) = pd.read_csv(tables / "missing_cells.csv").to_dict("records")
    assert (missing["model"], missing["dataset"]) == ("lab/broken", "reviews")
    assert "model 'lab/broken': cannot load from" in missing["error"]
    rerun = "snakemake --forcerun results/measurements/text_classification/lab--broken/reviews.csv"
    assert missing["rerun"] == rerun
    summary = pd.read_csv(tables / "task_summary.csv").set_index("task")
    assert summary.loc["text_classification", "n_models"] == 1
    assert summary.loc["text_classification", "n_cells_missing"] == 1
    assert set(pd.read_csv(tables / "lengths.csv")["model"]) == {"test/tiny"}
    assert "1 of 2 cells failed" in result.stderr
    # The printed command carries the run's config options and runs as printed.
    printed = result.stderr.split("measure them again with:\n", 1)[1].splitlines()[0]
    options = "--configfile config/test.yaml --cores 2 --resources gpu=1 --replace-workflow-config"
    assert printed == f"snakemake {options} --forcerun {rerun.split()[-1]}"
    again = run_snakemake(workflow, *shlex.split(printed)[1:], "-n", "--cores", "1")
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"^measure_inference\s+1\s*$", again.stdout, re.MULTILINE), again.stdout
