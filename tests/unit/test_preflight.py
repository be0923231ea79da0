"""Preflight's own logic, without a Hub: which data files a split reads, the weights format,
what is asked again, and what a run would download per task (the Hub side is in
tests/replica/test_preflight_on_replica.py)."""

from __future__ import annotations

import pytest
from helpers import REPO, small_study, validated

from powerhungry.preflight import (
    ERROR,
    check_study,
    download_by_task,
    entry_key,
    errors_of,
    split_files,
    weights_format,
)
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS


@pytest.fixture
def small_config(monkeypatch):
    """helpers.small_study (a local file that exists, a tiny model), read from the repo."""
    monkeypatch.chdir(REPO)
    return validated(small_study())


def test_a_split_reads_its_own_files_under_its_data_dir():
    sizes = {
        "README.md": 10,
        "plain_text/train-00000-of-00002.parquet": 100,
        "plain_text/train-00001-of-00002.parquet": 100,
        "plain_text/test-00000-of-00001.parquet": 50,
        "en/partial-train/0000.parquet": 70,
        "en/validation/0000.parquet": 30,
        "de/train/0000.parquet": 90,
        "c4/c4-train.00000-of-01024.json.gz": 300,
        "c4/c4-validation.00000-of-00008.json.gz": 30,
        "c4/c4-trainer-notes.txt": 1,
    }
    assert split_files(sizes, "test", None) == ["plain_text/test-00000-of-00001.parquet"]
    assert split_files(sizes, "train", "en") == ["en/partial-train/0000.parquet"]
    assert split_files(sizes, "validation", "en/") == ["en/validation/0000.parquet"]
    assert split_files(sizes, "train", "c4") == ["c4/c4-train.00000-of-01024.json.gz"]
    # No file names a split: datasets reads them all as train.
    assert split_files({"data.csv": 1, "notes.md": 1}, "train", None) == ["data.csv"]
    with pytest.raises(ValueError, match=r"no data file of split 'test' .* all are read as train"):
        split_files({"data.csv": 1}, "test", None)
    # A split the files do not name: the ones they do are listed.
    with pytest.raises(ValueError, match=r"split 'dev' under en/ \(its files name train, valid"):
        split_files(sizes, "dev", "en")


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (["config.json", "model.safetensors"], "safetensors"),
        (["config.json", "pytorch_model-00001-of-00002.bin"], "pytorch"),
        (["config.json", "tokenizer.json"], None),
    ],
)
def test_weights_format(files, expected):
    assert weights_format(files) == expected


def test_an_unchanged_entry_is_not_checked_again_unless_it_was_an_error(small_config, monkeypatch):
    # A local dataset and a tiny model: checked without a Hub.
    study = load_study(small_config, RUNNABLE_TASKS)
    first = check_study(study)
    assert [row["status"] for row in first] == ["ok", "ok"]
    assert [row["key"] for row in first] == [
        entry_key(study.datasets[0]),
        entry_key(study.models[0]),
    ]
    stale = [{**first[0], "problem": "kept"}, {**first[1], "status": ERROR, "problem": "was"}]
    again = check_study(study, stale)
    assert again[0]["problem"] == "kept"  # unchanged and fine: not asked again
    assert again[1]["status"] == "ok" and again[1]["problem"] is None  # an error is rechecked
    # Another Hub is another check.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:1")
    assert entry_key(study.datasets[0]) != first[0]["key"]


def test_a_missing_local_dataset_is_an_error_naming_the_fix(small_config):
    small_config["datasets"][0]["path"] = "no/such/file.jsonl"
    study = load_study(small_config, RUNNABLE_TASKS)
    rows = check_study(study)
    message = errors_of(rows)
    assert message is not None and message.startswith("1 of 2 entries cannot be had")
    assert "dataset 'reviews'" in message
    assert "'no/such/file.jsonl' does not exist: fix path:" in message


def test_download_per_task_counts_hub_entries_and_says_what_is_unknown():
    rows = [
        {"source": "hub", "task": "summarization", "download_bytes": "2000000000"},
        {"source": "hub", "task": "summarization", "download_bytes": 500_000_000},
        {"source": "hub", "task": "text_classification extractive_qa", "download_bytes": ""},
        {"source": "local", "task": "summarization", "download_bytes": ""},
    ]
    assert download_by_task(rows) == {
        "summarization": (2_500_000_000, 0),
        "text_classification": (0, 1),
    }
