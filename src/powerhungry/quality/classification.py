"""Accuracy of text classification (sentiment polarity) and image classification (class names).

Text classification compares polarities (see `powerhungry.quality.sentiment`): labels for
task-specific models, generated text for multi-purpose (zero-shot) ones. A prediction without a
polarity is wrong; a reference without one (SST-2's -1) is not scored.

Image classification compares the predicted and reference class names, lowercased and stripped,
exactly. A model's label set need not be the dataset's (e.g. ImageNet-1k names against another
dataset's), in which case accuracy is (near) 0: that is reported as measured, not hidden.
"""

from __future__ import annotations

from collections.abc import Sequence

from powerhungry.quality.common import Scored, as_text, is_missing, mean
from powerhungry.quality.sentiment import label_polarity, text_polarity, uses_three_classes


def score_text_classification(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    three_class_references = uses_three_classes(references)
    three_class_predictions = uses_three_classes(predictions)
    hits: list[float] = []
    for reference, prediction in zip(references, predictions, strict=True):
        expected = label_polarity(reference, three_classes=three_class_references)
        if expected is None:
            continue
        if model_kind == "multi_purpose":
            predicted = text_polarity(prediction)
        else:
            predicted = label_polarity(prediction, three_classes=three_class_predictions)
        hits.append(float(predicted == expected))
    return {"accuracy": mean(hits)}, len(hits)


def class_name(value: object) -> str:
    return as_text(value).strip().lower()


def score_image_classification(
    references: Sequence[object], predictions: Sequence[object], model_kind: str
) -> Scored:
    hits = [
        float(class_name(prediction) == class_name(reference))
        for reference, prediction in zip(references, predictions, strict=True)
        if not is_missing(reference) and class_name(reference)
    ]
    return {"accuracy": mean(hits)}, len(hits)
