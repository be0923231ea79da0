"""Text classification (sentiment): argmax over the classifier head's labels."""

from __future__ import annotations

from pathlib import Path

import torch
from transformers import AutoModelForSequenceClassification, BatchEncoding

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.text import TextModelRunner


class TextClassificationRunner(TextModelRunner):
    auto_model = AutoModelForSequenceClassification

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        super().load(model_dir, device, dtype)
        # A decoder-only classifier (GPT-2, Llama, ...) scores each sample at its last token,
        # found by the padding id: without one in its config it refuses batches of more than
        # one sample (ValueError). It is the id the tokenizer pads the batch with.
        if self.model.config.pad_token_id is None:
            self.model.config.pad_token_id = self.tokenizer.pad_token_id

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
