"""SQuAD v1.1 exact match and token F1 (the official evaluation script's rules), on a 0-1 scale.

Normalisation: lowercase, remove punctuation, remove the articles a/an/the, collapse whitespace.
A prediction's score is its best over the reference answers.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence

from powerhungry.quality.common import Scored, as_text, is_missing, mean

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = frozenset(string.punctuation)


def normalize_answer(text: str) -> str:
    """Lowercase, drop punctuation, drop articles, collapse whitespace (SQuAD v1.1)."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, reference: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(reference))


def token_f1(prediction: str, reference: str) -> float:
    """Harmonic mean of token precision and recall after normalisation; 0 with no common token."""
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(reference).split()
    common = sum((Counter(predicted) & Counter(expected)).values())
    if common == 0:
        return 0.0
    precision = common / len(predicted)
    recall = common / len(expected)
    return 2 * precision * recall / (precision + recall)


def best_exact_match(prediction: str, references: Sequence[str]) -> float:
    return max(exact_match(prediction, reference) for reference in references)


def best_f1(prediction: str, references: Sequence[str]) -> float:
    return max(token_f1(prediction, reference) for reference in references)


def reference_answers(value: object) -> list[str]:
    """The reference answers of a sample: a list (or array) of strings, one string, or a SQuAD
    ``{"text": [...], "answer_start": [...]}`` record; empty when there is none."""
    if isinstance(value, dict):
        value = value.get("text")
    if is_missing(value):
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable):
        return []
    return [str(answer) for answer in value if not is_missing(answer) and str(answer).strip()]


def score_extractive_qa(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    """Mean SQuAD exact match and F1 over samples with at least one reference answer. A
    multi-purpose model's generated text is scored the same way as an extracted span."""
    exact: list[float] = []
    f1: list[float] = []
    for reference, prediction in zip(references, predictions, strict=True):
        answers = reference_answers(reference)
        if not answers:
            continue
        text = as_text(prediction)
        exact.append(best_exact_match(text, answers))
        f1.append(best_f1(text, answers))
    return {"exact_match": mean(exact), "f1": mean(f1)}, len(exact)
