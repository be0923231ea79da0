"""The real study's path end to end against the Hub replica: hub datasets (data files; a script
repo read from its parquet export, one config of several) are sampled and a hub model is fetched
on the "submit host", then the measurement job runs offline from the cache and every row names
the commits that were read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import copy_workflow, run_snakemake
from hub_replica import HubReplica
from hub_replica.builders import parquet_dataset, script_dataset, tiny_model

pytestmark = [pytest.mark.replica, pytest.mark.workflow]

IMDB = "stanfordnlp/imdb"
SUPER_GLUE = "aps/super_glue"
MODEL = "distilbert/study-sst2"
EXPORT = "refs/convert/parquet"


def study() -> dict:
    return {
        "study": "replica",
        "tasks": {"text_classification": {}},
        "datasets": [
            {
                "id": "imdb",
                "task": "text_classification",
                "hub": IMDB,
                "config": "plain_text",
                "split": "test",
                "fields": {"text": "text", "label": "label"},
                "samples": 2,
            },
            {
                # A loading script on main; its export holds two configs, one read.
                "id": "super_glue",
                "task": "text_classification",
                "hub": SUPER_GLUE,
                "revision": EXPORT,
                "data_dir": "record",
                "split": "test",
                "fields": {"text": "text", "label": "label"},
                "samples": 2,
            },
        ],
        "models": [{"id": MODEL, "task": "text_classification", "source": "hub"}],
        "protocol": {"repetitions": 1, "device": "cpu", "idle_seconds": 1},
        # A deployment scenario: the same hub model and datasets again, two samples a call.
        "scenarios": [{"name": "bs2", "batch_size": 2}],
    }


def test_hub_datasets_and_model_are_fetched_then_measured_offline(
    hub_replica: HubReplica, tmp_path: Path
):
    model_sha = hub_replica.add_model(MODEL, tiny_model(tmp_path / "model"))
    imdb_sha = hub_replica.add_dataset(IMDB, parquet_dataset())
    main, boolq = script_dataset("super_glue", config="boolq")
    _, record = script_dataset(
        "super_glue",
        config="record",
        splits={
            "test": {"text": ["a record passage", "another one", "a third"], "label": [0, 1, 0]}
        },
    )
    hub_replica.add_dataset(SUPER_GLUE, main)
    export_sha = hub_replica.add_dataset(SUPER_GLUE, {**boolq, **record}, EXPORT)

    workflow = copy_workflow(tmp_path / "workflow")
    (workflow / "config" / "replica.yaml").write_text(yaml.safe_dump(study()))
    env = {**hub_replica.env, "HF_HOME": str(tmp_path / "hf")}
    common = ["--configfile", "config/replica.yaml", "--replace-workflow-config", "--cores", "2"]
    samples = Path("results/samples/text_classification")
    manifest = f"cache/models/{MODEL.replace('/', '--')}.json"

    # The submit host: samples and the model, from the Hub.
    fetched = run_snakemake(
        workflow,
        *common,
        str(samples / "imdb.parquet"),
        str(samples / "super_glue.parquet"),
        manifest,
        env=env,
    )
    assert fetched.returncode == 0, fetched.stderr[-4000:]
    assert hub_replica.problems() == []
    record_rows = pd.read_parquet(workflow / samples / "super_glue.parquet")
    assert len(record_rows) == 2 and "a record passage" in record_rows.to_string()

    # The compute node: nothing more is asked of the Hub.
    hub_replica.clear_log()
    measured = run_snakemake(workflow, *common, "--resources", "gpu=1", env=env)
    assert measured.returncode == 0, measured.stderr[-4000:]
    assert hub_replica.requests == []

    rows = pd.read_csv(workflow / "results" / "tables" / "measurements.csv")
    by_dataset = rows.groupby("dataset")
    assert set(by_dataset.groups) == {"imdb", "super_glue"}
    # Each cell in both scenarios, from the same fetched model and samples.
    cells = rows.groupby(["scenario", "batch_size"])["dataset"].agg(set).to_dict()
    assert cells == {("bs2", 2): {"imdb", "super_glue"}, ("default", 1): {"imdb", "super_glue"}}
    assert set(rows["model_revision"]) == {model_sha}
    assert set(rows["model_repo"]) == {MODEL}
    assert set(rows.loc[rows["dataset"] == "imdb", "dataset_commit"]) == {imdb_sha}
    assert set(rows.loc[rows["dataset"] == "super_glue", "dataset_commit"]) == {export_sha}
    assert set(rows.loc[rows["dataset"] == "super_glue", "dataset_revision"]) == {EXPORT}
    assert rows["energy_kwh"].gt(0).all()
