"""Offline quality metrics of one model on one dataset (the paper's Table 7: quality beside energy).

`score` joins a dataset's samples (references) to a model's predictions on ``sample_index`` and
returns the task's metrics, every one on a 0-1 scale (SQuAD's EM/F1 too, not 0-100):

=========================  ==========  =================================================
task                       reference   metrics
=========================  ==========  =================================================
text_classification        label       accuracy (sentiment polarity, see `.sentiment`)
image_classification       label       accuracy (class names, lowercased, exact)
token_classification       tags        entity_f1 (seqeval, strict IOB2, see `.entities`)
extractive_qa              answers     exact_match, f1 (SQuAD v1.1, see `.squad`)
summarization              summary     rouge1, rouge2, rougeL (F-measure, see `.text`)
masked_language_modeling   target      accuracy_at_1 (see `.text`)
=========================  ==========  =================================================

Tasks without references (text_generation, image_generation, object_detection,
image_captioning) score ``{}``, as do samples without the task's reference column. Otherwise the
result also holds ``n_samples`` (rows of `samples`) and ``n_scored`` (samples with a usable
reference, over which the metrics are means; they are NaN when it is 0). A sample with a usable
reference but no prediction row, or a prediction that cannot be interpreted, counts as wrong (0),
never as dropped. Predictions of samples not in `samples` are ignored. Everything runs offline:
no Hugging Face `evaluate`, whose metric code is fetched from the hub.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from powerhungry.quality.classification import (
    score_image_classification,
    score_text_classification,
)
from powerhungry.quality.common import Scored
from powerhungry.quality.entities import score_token_classification
from powerhungry.quality.squad import score_extractive_qa
from powerhungry.quality.text import score_masked_language_modeling, score_summarization

__all__ = ["REFERENCE_COLUMNS", "TASKS_WITHOUT_REFERENCES", "score"]

Scorer = Callable[[Sequence[object], Sequence[object], str], Scored]

TASKS_WITHOUT_REFERENCES = frozenset(
    {"text_generation", "image_generation", "object_detection", "image_captioning"}
)
REFERENCE_COLUMNS: dict[str, str] = {
    "text_classification": "label",
    "image_classification": "label",
    "token_classification": "tags",
    "extractive_qa": "answers",
    "summarization": "summary",
    "masked_language_modeling": "target",
}
_SCORERS: dict[str, Scorer] = {
    "text_classification": score_text_classification,
    "image_classification": score_image_classification,
    "token_classification": score_token_classification,
    "extractive_qa": score_extractive_qa,
    "summarization": score_summarization,
    "masked_language_modeling": score_masked_language_modeling,
}


def score(
    task: str, model_kind: str, samples: pd.DataFrame, predictions: pd.DataFrame
) -> dict[str, float]:
    """Quality metrics of one model on one dataset. `samples` and `predictions` share
    `sample_index`.

    Returns {} for tasks without references (text_generation, image_generation,
    object_detection, image_captioning) or when the samples carry no reference column. Always
    includes "n_scored" (samples with a usable reference) and "n_samples" when it returns
    metrics. `model_kind` "multi_purpose" marks zero-shot generated text (it changes how
    sentiment and masked words are read); any other kind is a task-specific model.
    """
    if task in TASKS_WITHOUT_REFERENCES:
        return {}
    if task not in REFERENCE_COLUMNS:
        raise ValueError(f"no quality metric for unknown task {task!r}")
    column = REFERENCE_COLUMNS[task]
    if column not in samples.columns:
        return {}
    duplicated = predictions["sample_index"].duplicated()
    if duplicated.any():
        indices = sorted(set(predictions.loc[duplicated, "sample_index"].tolist()))
        raise ValueError(f"several predictions for sample_index {indices[:10]}")
    by_index = pd.Series(
        predictions["prediction"].to_numpy(dtype=object),
        index=predictions["sample_index"].to_numpy(),
    )
    matched = samples["sample_index"].map(by_index)
    metrics, n_scored = _SCORERS[task](samples[column].tolist(), matched.tolist(), model_kind)
    return {**metrics, "n_scored": float(n_scored), "n_samples": float(len(samples))}
