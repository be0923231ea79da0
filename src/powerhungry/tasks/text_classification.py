"""Text classification (sentiment): argmax over the classifier head's labels."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer, BatchEncoding

from powerhungry.tasks.base import Prediction, Sample, TaskRunner


class TextClassificationRunner(TaskRunner):
    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            model_dir, local_files_only=True, dtype=dtype
        ).to(device)
        self.model.eval()

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        return self.tokenizer(
            [str(sample["text"]) for sample in samples],
            padding=True,
            truncation=True,
            return_tensors="pt",
        ).to(self.device)

    def forward(self, inputs: BatchEncoding) -> Any:
        return self.model(**inputs).logits

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        labels = self.model.config.id2label
        lengths = inputs["attention_mask"].sum(dim=1).tolist()
        return [
            Prediction(prediction=labels[int(index)], input_tokens=int(length), output_tokens=0)
            for index, length in zip(outputs.argmax(dim=-1).tolist(), lengths, strict=True)
        ]
