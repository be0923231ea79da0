"""Image classification: argmax over the classifier head's labels."""

from __future__ import annotations

import torch
from transformers import AutoModelForImageClassification, BatchFeature

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.vision import ImageModelRunner


class ImageClassificationRunner(ImageModelRunner):
    auto_model = AutoModelForImageClassification

    def forward(self, inputs: BatchFeature) -> torch.Tensor:
        return self.model(**inputs).logits

    def postprocess(self, inputs: BatchFeature, outputs: torch.Tensor) -> list[Prediction]:
        labels = self.model.config.id2label
        return [Prediction(prediction=labels[int(i)]) for i in outputs.argmax(dim=-1).tolist()]
