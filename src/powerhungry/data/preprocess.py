"""The paper's preprocessing, field by field, into the sample table's plain columns.

Rules (each documented here because results depend on them):
- text: a list of words (token-classification datasets) is joined with single spaces;
  `max_words` keeps the first N words; `mask_last_word` moves the last kept word into `target`
  (the runner puts the model's own mask token in its place).
- label, tags: class indices of a ClassLabel feature become class names; -1 (unlabelled, e.g. the
  SST-2 test split) becomes null, so it is measured but not scored.
- answers: a SQuAD dict's `text` list, a list, or a single string become a list of strings.
- image: decoded, made the RGB a viewer shows (`as_rgb`: transparency over white, 16-bit and
  float images scaled to 8 bits, CMYK, palette and 1-bit converted), resized with nearest
  neighbour to `image_size` if set (paper: 640x480), stored as PNG bytes.
"""

from __future__ import annotations

import io
from typing import Any

import datasets
from PIL import Image

from powerhungry.study import DatasetSpec


def class_names(feature: Any) -> list[str] | None:
    """Names of a ClassLabel feature, or of the ClassLabel inside a sequence feature."""
    for candidate in (feature, getattr(feature, "feature", None)):
        if isinstance(candidate, datasets.ClassLabel):
            return list(candidate.names)
    return None


def as_label(value: Any, names: list[str] | None) -> str | None:
    if value is None:
        return None
    if names is not None and isinstance(value, int):
        return names[value] if value >= 0 else None
    return str(value)


def as_text(value: Any) -> str:
    """A text field as the model reads it: word lists joined by spaces; an empty field (None:
    `datasets` reads an empty CSV cell or a JSON null so) is the empty text, never "None"."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(str(word) for word in value if word is not None)
    return str(value)


def as_answers(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = value.get("text", [])
    if isinstance(value, str):
        return [value]
    return [str(answer) for answer in value]


def as_png(value: Any, size: list[int] | None) -> bytes:
    if isinstance(value, str):
        raise ValueError(
            f"the image field holds text ({value[:80]!r}), not an image; if these are image "
            "URLs, set image_urls: true on the dataset's entry to fetch them"
        )
    if isinstance(value, dict):  # an undecoded Image feature: {"bytes": ..., "path": ...}
        value = Image.open(io.BytesIO(value["bytes"]) if value.get("bytes") else value["path"])
    image = as_rgb(value)
    if size is not None:
        image = image.resize((size[0], size[1]), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# Modes of more than 8 bits per channel, and the value that is white in each.
WIDE_MODES = {"I;16": 65535, "I;16L": 65535, "I;16B": 65535, "I;16N": 65535}


def as_rgb(image: Image.Image) -> Image.Image:
    """`image` as the 8-bit RGB a viewer shows: a transparent part (alpha, or a palette's
    transparent colour) over white; 16-bit greyscale scaled from 0-65535, 32-bit integer ("I")
    from 0-65535 where it exceeds 255 (16-bit PNGs decode to it), float ("F") from 0-1 where
    it stays within 1 (else clipped to 0-255); CMYK, palette, 1-bit and the rest through
    Pillow's own conversion. Pillow's `convert("RGB")` would drop transparency to its hidden
    colour and clip 16-bit values at 255 (nearly all white)."""
    if image.mode == "RGB":
        return image
    alpha = {"A", "a"} & set(image.getbands())  # "a": premultiplied (RGBa, La)
    if alpha or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    if image.mode in WIDE_MODES or image.mode in ("I", "F"):
        import numpy as np

        values = np.asarray(image, dtype=np.float64)
        top = values.max(initial=0.0)
        if image.mode in WIDE_MODES or (image.mode == "I" and top > 255):
            values = values / 65535 * 255
        elif image.mode == "F" and top <= 1.0:
            values = values * 255
        grey = Image.fromarray(np.clip(np.rint(values), 0, 255).astype(np.uint8))
        return grey.convert("RGB")
    return image.convert("RGB")


def decode_png(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def preprocess_row(
    spec: DatasetSpec, row: dict[str, Any], features: dict[str, Any] | None
) -> dict[str, Any]:
    """One source row -> one sample: a column per role (plus `target` for masked LM)."""
    sample: dict[str, Any] = {}
    for role, column in spec.fields.items():
        value = row[column]
        feature = (features or {}).get(column)
        if role in ("label", "tags"):
            names = class_names(feature)
            sample[role] = (
                [as_label(v, names) for v in value] if role == "tags" else as_label(value, names)
            )
        elif role == "answers":
            sample[role] = as_answers(value)
        elif role == "image":
            sample[role] = as_png(value, spec.image_size)
        else:
            sample[role] = as_text(value)
    if "text" in sample:
        words = sample["text"].split()
        if spec.max_words is not None:
            words = words[: spec.max_words]
        if spec.mask_last_word:
            sample["target"] = words[-1] if words else ""
            words = words[:-1]
        sample["text"] = " ".join(words)
    return sample
