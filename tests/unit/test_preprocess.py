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


def test_an_empty_text_field_is_the_empty_text_never_the_word_none():
    """datasets reads an empty CSV cell or a JSON null as None: measured as "", counted blank."""
    features = {"review": datasets.Value("string")}
    sample = preprocess_row(spec({"text": "review"}), {"review": None}, features)
    assert sample == {"text": ""}


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


def palette_with_transparent_red():
    image = Image.new("P", (2, 1))
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)  # index 0 red, 1 blue
    image.putpixel((1, 0), 1)
    image.info["transparency"] = 0  # red is the transparent colour
    return image


def wide(mode, values):
    image = Image.new(mode, (len(values), 1))
    for x, value in enumerate(values):
        image.putpixel((x, 0), value)
    return image


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        # Transparency over white, as a viewer shows it.
        (Image.new("RGBA", (2, 1), (255, 0, 0, 0)), [(255, 255, 255)] * 2),
        (Image.new("RGBA", (2, 1), (255, 0, 0, 128)), [(255, 127, 127)] * 2),
        (Image.new("LA", (2, 1), (0, 255)), [(0, 0, 0)] * 2),
        (palette_with_transparent_red(), [(255, 255, 255), (0, 0, 255)]),
        # CMYK, 1-bit, palette without transparency: Pillow's conversion.
        (Image.new("CMYK", (2, 1), (0, 255, 255, 0)), [(255, 0, 0)] * 2),
        (Image.new("1", (2, 1), 1), [(255, 255, 255)] * 2),
        # 16-bit and float: scaled to 8 bits, not clipped at 255 (nearly all white).
        (wide("I;16", [0, 65535]), [(0, 0, 0), (255, 255, 255)]),
        (wide("I;16", [32896, 257]), [(128, 128, 128), (1, 1, 1)]),
        (wide("I", [0, 65535]), [(0, 0, 0), (255, 255, 255)]),
        (wide("I", [0, 200]), [(0, 0, 0), (200, 200, 200)]),  # 8-bit values as they are
        (wide("F", [0.0, 0.5]), [(0, 0, 0), (128, 128, 128)]),
        (wide("F", [0.0, 300.0]), [(0, 0, 0), (255, 255, 255)]),
    ],
    ids=[
        "rgba-clear",
        "rgba-half",
        "la",
        "palette-transparent",
        "cmyk",
        "1bit",
        "i16",
        "i16-mid",
        "i32-16bit",
        "i32-8bit",
        "float-unit",
        "float-wide",
    ],
)
def test_every_image_mode_reaches_the_model_as_the_rgb_a_viewer_shows(image, expected):
    rgb = decode_png(as_png(image, None))
    assert rgb.mode == "RGB" and [rgb.getpixel((x, 0)) for x in range(2)] == expected


def test_an_image_url_is_refused_with_a_reason():
    with pytest.raises(ValueError, match="set image_urls: true"):
        as_png("https://example.org/cat.jpg", None)
