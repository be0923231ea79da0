"""Offline quality metrics of one model on one dataset (the paper's Table 7: quality beside energy).

`score` joins a dataset's samples (references) to a model's predictions on ``sample_index`` and
returns the task's metrics, every one on a 0-1 scale (SQuAD's EM/F1 too, not 0-100):

==========================  =================================================
task                        metrics
==========================  =================================================
text_classification         accuracy (sentiment polarity, see `.sentiment`)
image_classification        accuracy (class names, lowercased, exact)
token_classification        entity_f1 (seqeval, strict IOB2, see `.entities`)
extractive_qa               exact_match, f1 (SQuAD v1.1, see `.squad`)
summarization               rouge1, rouge2, rougeL (F-measure, see `.text`)
masked_language_modeling    accuracy_at_1 (see `.text`)
==========================  =================================================

The sample column each task is scored against, and its scorer, are in
`powerhungry.tasks.TASKS` (`reference`, `scorer`).

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

from powerhungry.quality.common import Scored
from powerhungry.tasks import TASKS, load

__all__ = ["score"]

Scorer = Callable[[Sequence[object], Sequence[object], str], Scored]


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
    if task not in TASKS:
        raise ValueError(f"no quality metric for unknown task {task!r}")
    column, scorer = TASKS[task].reference, TASKS[task].scorer
    if column is None or scorer is None:
        return {}
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
    scored: Scorer = load(scorer, __name__)
    metrics, n_scored = scored(samples[column].tolist(), matched.tolist(), model_kind)
    return {**metrics, "n_scored": float(n_scored), "n_samples": float(len(samples))}
