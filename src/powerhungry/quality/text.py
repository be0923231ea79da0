"""Reference-based scores of generated text: ROUGE (summarization) and masked-word accuracy.

ROUGE-1, ROUGE-2 and ROUGE-L are rouge-score's F-measures with its Porter stemmer
(``use_stemmer=True``), averaged over samples with a non-blank reference summary.

Masked language modelling: a prediction is correct when it equals the target word after both are
lowercased, stripped, and cleared of subword markers (WordPiece ``##``, SentencePiece ``▁``, BPE
``Ġ``). For a multi-purpose model's generated text, surrounding punctuation is also stripped from
both ("Paris." matches "paris"), unless nothing would be left.
"""

from __future__ import annotations

import string
from collections.abc import Sequence

from rouge_score.rouge_scorer import RougeScorer

from powerhungry.quality.common import Scored, as_text, is_missing, mean

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")
SUBWORD_MARKERS = {"##": "", "▁": " ", "Ġ": " "}


def rouge(references: Sequence[str], predictions: Sequence[str]) -> dict[str, float]:
    """Mean ROUGE F-measures of predictions against references, pairwise."""
    scorer = RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    totals: dict[str, list[float]] = {name: [] for name in ROUGE_TYPES}
    for reference, prediction in zip(references, predictions, strict=True):
        scores = scorer.score(reference, prediction)
        for name in ROUGE_TYPES:
            totals[name].append(scores[name].fmeasure)
    return {name: mean(values) for name, values in totals.items()}


def score_summarization(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    pairs = [
        (str(reference), as_text(prediction))
        for reference, prediction in zip(references, predictions, strict=True)
        if not is_missing(reference) and str(reference).strip()
    ]
    expected = [reference for reference, _ in pairs]
    predicted = [prediction for _, prediction in pairs]
    return rouge(expected, predicted), len(pairs)


def normalize_word(text: str, *, strip_punctuation: bool = False) -> str:
    """Lowercased, stripped, without subword markers (and surrounding punctuation, if asked)."""
    for marker, replacement in SUBWORD_MARKERS.items():
        text = text.replace(marker, replacement)
    text = " ".join(text.lower().split())
    if strip_punctuation:
        text = text.strip(string.punctuation + " ") or text
    return text


def score_masked_language_modeling(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    generated = model_kind == "multi_purpose"
    hits: list[float] = []
    for reference, prediction in zip(references, predictions, strict=True):
        if is_missing(reference) or not str(reference).strip():
            continue
        target = normalize_word(str(reference), strip_punctuation=generated)
        predicted = normalize_word(as_text(prediction), strip_punctuation=generated)
        hits.append(float(predicted == target))
    return {"accuracy_at_1": mean(hits)}, len(hits)
