import json

import pandas as pd
import pytest

from powerhungry.data.sampling import DatasetSourceError, sample, write_sample
from powerhungry.files import sha256_of
from powerhungry.study import DatasetSpec


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


def test_parquet_and_checksum_are_written(source, tmp_path):
    out, checksum = tmp_path / "s.parquet", tmp_path / "s.parquet.sha256"
    digest = write_sample(spec(source), str(out), str(checksum))
    assert len(pd.read_parquet(out)) == 5
    assert digest == sha256_of(out) == checksum.read_text().split()[0]


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
