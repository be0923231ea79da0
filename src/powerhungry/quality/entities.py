"""Entity-level F1 of token classification (NER) with seqeval, strict IOB2 matching.

References are per-word IOB tag strings; a prediction is a JSON list of per-word tag strings.
Before scoring, both sides are put into IOB2 form: an ``I-X`` that does not continue an entity of
type ``X`` starts one (``B-X``) - so IOB1 models, which emit ``I-PER`` for a lone person, are not
penalised for their tagging scheme - IOBES ``S-X``/``E-X`` become ``B-X``/``I-X``, a bare ``X``
is read as ``I-X``, and empty tags are ``O``. A prediction shorter than its reference is padded
with ``O`` and a longer one truncated; a missing or unparsable prediction is all ``O``. Entity
type names are compared as they are (a model emitting ``B-PERSON`` never matches ``B-PER``).
F1 is micro-averaged over all entities of the dataset (seqeval's default), 0 with no entity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from seqeval.metrics import f1_score
from seqeval.scheme import IOB2

from powerhungry.quality.common import Scored, is_missing

_PREFIXES = {"B": "B", "I": "I", "S": "B", "E": "I"}


def parse_tags(value: object) -> list[str]:
    """Per-word tags of a prediction (a JSON list) or reference (a list or array); [] if none."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return []
    if is_missing(value) or isinstance(value, str | dict) or not isinstance(value, Iterable):
        return []
    return ["O" if is_missing(tag) else str(tag) for tag in value]


def to_iob2(tags: Sequence[str]) -> list[str]:
    """The tags in IOB2 form (see the module docstring); valid IOB2 is returned unchanged."""
    repaired: list[str] = []
    previous: str | None = None  # entity type of the previous tag, None after O
    for raw in tags:
        tag = raw.strip()
        if tag in {"", "O"}:
            repaired.append("O")
            previous = None
            continue
        prefix, dash, entity = tag.partition("-")
        if not (dash and prefix in _PREFIXES and entity):
            prefix, entity = "I", tag
        prefix = _PREFIXES[prefix]
        if prefix == "I" and previous != entity:
            prefix = "B"
        repaired.append(f"{prefix}-{entity}")
        previous = entity
    return repaired


def aligned(prediction: list[str], length: int) -> list[str]:
    """The prediction truncated, or padded with O, to the reference's length."""
    return prediction[:length] + ["O"] * (length - len(prediction))


def entity_f1(references: list[list[str]], predictions: list[list[str]]) -> float:
    """seqeval's micro F1 over entities, strict IOB2, after the IOB2 repair and alignment."""
    if not references:
        return float("nan")
    expected = [to_iob2(tags) for tags in references]
    predicted = [
        to_iob2(aligned(tags, len(reference)))
        for tags, reference in zip(predictions, references, strict=True)
    ]
    return float(f1_score(expected, predicted, mode="strict", scheme=IOB2, zero_division=0))


def score_token_classification(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    """Entity F1 over the samples whose reference has at least one tagged word."""
    expected: list[list[str]] = []
    predicted: list[list[str]] = []
    for reference, prediction in zip(references, predictions, strict=True):
        tags = parse_tags(reference)
        if not tags:
            continue
        expected.append(tags)
        predicted.append(parse_tags(prediction))
    return {"entity_f1": entity_f1(expected, predicted)}, len(expected)
