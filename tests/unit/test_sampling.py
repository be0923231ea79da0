import json

import datasets
import pandas as pd
import pytest

from powerhungry.data.hub import PARQUET_EXPORT
from powerhungry.data.sample_record import read_sample_record
from powerhungry.data.sampling import (
    DatasetSourceError,
    check_layout,
    load_arguments,
    resolve_commit,
    sample,
    write_sample,
)
from powerhungry.files import sha256_of
from powerhungry.study import DatasetSpec

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "reviews.jsonl"
    rows = [
        {"review": f"review number {i} is a rather long text", "stars": i % 5} for i in range(20)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def spec(source, **overrides):
    values = dict(
        id="reviews",
        task="text_classification",
        split="test",
        samples=5,
        fields={"text": "review", "label": "stars"},
        path=str(source),
    )
    return DatasetSpec(**{**values, **overrides})


def test_first_n_rows_in_order_with_roles_as_columns(source):
    frame = sample(spec(source))
    assert list(frame.columns) == ["sample_index", "text", "label"]
    assert frame["text"].tolist() == [f"review number {i} is a rather long text" for i in range(5)]
    assert frame["label"].tolist() == ["0", "1", "2", "3", "4"]  # labels are stored as text


def test_seeded_shuffle_is_deterministic_and_not_the_first_rows(source):
    first = sample(spec(source, shuffle_seed=7))
    again = sample(spec(source, shuffle_seed=7))
    assert first.equals(again)
    assert first["text"].tolist() != sample(spec(source))["text"].tolist()


def test_max_words_keeps_the_first_words(source):
    assert sample(spec(source, max_words=3))["text"][0] == "review number 0"


def test_parquet_checksum_and_record_are_written(source, tmp_path):
    out, checksum = tmp_path / "s.parquet", tmp_path / "s.parquet.sha256"
    record = write_sample(spec(source), str(out), str(checksum), str(tmp_path / "s.json"))
    assert len(pd.read_parquet(out)) == 5
    assert record.sha256 == sha256_of(out) == checksum.read_text().split()[0]
    assert read_sample_record(tmp_path / "s.json") == record
    assert (record.dataset, record.rows, record.path, record.split) == (
        "reviews",
        5,
        str(source),
        "test",
    )
    # A local file has no hub revision and no commit: none, never a made-up value.
    assert record.hub is record.revision is record.commit is None


def hub_spec(**overrides):
    values = dict(
        id="conll2003",
        task="token_classification",
        split="validation",
        samples=5,
        fields={"text": "tokens"},
        hub="eriktks/conll2003",
    )
    return DatasetSpec(**{**values, **overrides})


def test_a_hub_dataset_is_read_at_the_commit_its_revision_resolved_to():
    arguments = load_arguments(hub_spec(revision=PARQUET_EXPORT), COMMIT, "/scratch")
    assert arguments == {
        "path": "eriktks/conll2003",
        "name": None,
        "data_dir": None,
        "split": "validation",
        "revision": COMMIT,
        "streaming": True,
        "cache_dir": "/scratch",
    }
    shuffled = load_arguments(hub_spec(config="en", shuffle_seed=1), None, "/scratch")
    assert (shuffled["name"], shuffled["revision"], shuffled["streaming"]) == ("en", None, False)


def test_a_local_source_is_read_without_revision_and_resolves_to_no_commit(source):
    arguments = load_arguments(spec(source), None, "/scratch")
    assert arguments == {
        "path": "json",
        "data_files": str(source),
        "split": "train",
        "cache_dir": "/scratch",
    }
    assert resolve_commit(spec(source)) is None  # asks no hub


@pytest.fixture
def parquet_export(tmp_path):
    """A folder laid out as the Hub's parquet export of a two-config dataset:
    `{config}/{split}/0000.parquet`, a large split's first part as `partial-{split}`."""
    root = tmp_path / "export"
    for config, rows in (("1k", 3), ("2k", 5)):
        for split in ("train", "partial-test"):
            folder = root / config / split
            folder.mkdir(parents=True)
            prompts = [f"{config} {split} prompt {i}" for i in range(rows)]
            pd.DataFrame({"prompt": prompts}).to_parquet(folder / "0000.parquet")
    return root


@pytest.mark.parametrize("split", ["train", "test"])
def test_a_parquet_export_config_is_selected_by_its_folder(parquet_export, tmp_path, split):
    """datasets reads the export branch as one config, `default`, found by its split patterns
    (on the Hub as here: no README, so no `configs:`); data_dir selects an original config.
    Read through datasets from a local folder; the Hub path is the replica tests' to drive."""
    config = hub_spec(
        revision=PARQUET_EXPORT, data_dir="1k", split=split, fields={"text": "prompt"}
    )
    arguments = {
        **load_arguments(config, COMMIT, str(tmp_path / "cache")),
        "path": str(parquet_export),
    }
    rows = list(datasets.load_dataset(**arguments))
    expected = "train" if split == "train" else "partial-test"
    assert [r["prompt"] for r in rows] == [f"1k {expected} prompt {i}" for i in range(3)]
    # The original config's name is refused: the export's one config is `default`.
    with pytest.raises(ValueError, match=r"BuilderConfig '1k' not found. Available: \['default'\]"):
        datasets.load_dataset(**{**arguments, "name": "1k", "data_dir": None})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"samples": 50}, "has 20 rows, the config asks for 50"),
        ({"fields": {"text": "body"}}, "field text='body' is not a column"),
        ({"path": "/nonexistent/reviews.jsonl"}, "'reviews': local path .* does not exist"),
    ],
)
def test_bad_sources_fail_naming_the_dataset(source, overrides, message):
    with pytest.raises(DatasetSourceError, match=message):
        sample(spec(source, **overrides))


EXPORT_FILES = [".gitattributes", "boolq/test/0000.parquet", "record/test/0000.parquet"]


@pytest.mark.parametrize(
    ("keys", "files", "message"),
    [
        (
            {},
            [".gitattributes", "README.md", "super_glue.py"],
            r"'lab/super_glue' is a loading script \(super_glue\.py\), which the datasets "
            r"library no longer runs; .* revision: refs/convert/parquet, with data_dir: <config> "
            r"\(one folder per config of the script\)",
        ),
        (
            {"revision": "refs/convert/parquet"},
            EXPORT_FILES,
            r"the parquet export of 'lab/super_glue' holds configs boolq, record; read without "
            r"data_dir their rows would be mixed: set data_dir to one of them",
        ),
        (
            {"revision": "refs/convert/parquet", "data_dir": "recrod"},
            EXPORT_FILES,
            r"data_dir 'recrod' is not a folder of 'lab/super_glue' at refs/convert/parquet "
            r"\(folders: boolq, record\)",
        ),
        (
            # the export named by one of its commits
            {"revision": "0123456789abcdef0123456789abcdef01234567"},
            EXPORT_FILES,
            r"the parquet export of 'lab/super_glue' holds configs boolq, record; read without "
            r"data_dir their rows would be mixed: set data_dir to one of them",
        ),
        ({"revision": "refs/convert/parquet", "data_dir": "record"}, EXPORT_FILES, None),
        ({"revision": "refs/convert/parquet"}, EXPORT_FILES[:2], None),
    ],
)
def test_hub_layouts_datasets_would_misread_are_refused_naming_the_fix(keys, files, message):
    spec = DatasetSpec(
        id="glue",
        task="text_classification",
        hub="lab/super_glue",
        split="test",
        samples=2,
        fields={"text": "text"},
        **keys,
    )
    if message is None:
        check_layout(spec, files)
    else:
        with pytest.raises(DatasetSourceError, match=rf"^dataset 'glue': {message}$"):
            check_layout(spec, files)
