"""The paper's preprocessing rules, row by row."""

import datasets
import pytest
from PIL import Image

from powerhungry.data.preprocess import as_png, decode_png, preprocess_row
from powerhungry.study import DatasetSpec


def spec(fields, **overrides):
    values = dict(id="d", task="text_classification", split="test", samples=1, fields=fields)
    return DatasetSpec(**{**values, "path": "x", **overrides})


def test_word_lists_are_joined_and_class_indices_named():
    features = {
        "tokens": datasets.Sequence(datasets.Value("string")),
        "ner_tags": datasets.Sequence(datasets.ClassLabel(names=["O", "B-PER", "I-PER"])),
    }
    row = {"tokens": ["John", "Smith", "runs"], "ner_tags": [1, 2, 0]}
    sample = preprocess_row(spec({"text": "tokens", "tags": "ner_tags"}), row, features)
    assert sample == {"text": "John Smith runs", "tags": ["B-PER", "I-PER", "O"]}


@pytest.mark.parametrize(("value", "expected"), [(1, "pos"), (0, "neg"), (-1, None)])
def test_class_labels_become_names_and_unlabelled_becomes_null(value, expected):
    features = {"label": datasets.ClassLabel(names=["neg", "pos"])}
    sample = preprocess_row(
        spec({"text": "t", "label": "label"}), {"t": "x", "label": value}, features
    )
    assert sample["label"] == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"text": ["Paris", "paris"], "answer_start": [0, 4]}, ["Paris", "paris"]),
        ("mitochondria", ["mitochondria"]),
    ],
)
def test_answers_become_a_list_of_strings(value, expected):
    row = {"q": "?", "c": "ctx", "a": value}
    sample = preprocess_row(spec({"question": "q", "context": "c", "answers": "a"}), row, None)
    assert sample["answers"] == expected


def test_first_words_and_masked_last_word():
    row = {"t": " ".join(f"w{i}" for i in range(30))}
    sample = preprocess_row(spec({"text": "t"}, max_words=20, mask_last_word=True), row, None)
    assert sample["target"] == "w19"
    assert sample["text"] == " ".join(f"w{i}" for i in range(19))


def test_images_are_rgb_resized_nearest_and_stored_as_png():
    gray = Image.new("L", (10, 7), color=200)
    data = as_png(gray, [64, 48])
    image = decode_png(data)
    assert (image.size, image.mode) == ((64, 48), "RGB")
    assert image.getpixel((0, 0)) == (200, 200, 200)
    assert decode_png(as_png(gray, None)).size == (10, 7)


def test_an_image_url_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="set image_urls: true"):
        as_png("https://example.org/cat.jpg", None)
