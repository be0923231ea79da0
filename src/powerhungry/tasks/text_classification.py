"""Text classification (sentiment): argmax over the classifier head's labels."""

from __future__ import annotations

import torch
from transformers import AutoModelForSequenceClassification, BatchEncoding

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.text import TextModelRunner


class TextClassificationRunner(TextModelRunner):
    auto_model = AutoModelForSequenceClassification

    def forward(self, inputs: BatchEncoding) -> torch.Tensor:
        return self.model(**inputs).logits

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        labels = self.model.config.id2label
        return [
            Prediction(
                prediction=labels[int(index)],
                input_tokens=length,
                truncated=self.truncated(length),
            )
            for index, length in zip(
                outputs.argmax(dim=-1).tolist(), self.input_lengths(inputs), strict=True
            )
        ]
