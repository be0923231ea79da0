"""Masked language modeling: the model's top word for its mask token appended to the text.

The sampler removed the last kept word (paper: the 20th) into `target`; here the model's own
mask token ([MASK], <mask>, ...) takes its place.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import AutoModelForMaskedLM, BatchEncoding

from powerhungry.tasks.base import Prediction, Sample
from powerhungry.tasks.text import TextModelRunner


class MaskedLanguageModelingRunner(TextModelRunner):
    auto_model = AutoModelForMaskedLM

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        mask = self.tokenizer.mask_token
        return self.tokenize([f"{sample['text']} {mask}".strip() for sample in samples]).to(
            self.device
        )

    def forward(self, inputs: BatchEncoding) -> torch.Tensor:
        return self.model(**inputs).logits

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        is_mask = inputs["input_ids"] == self.tokenizer.mask_token_id
        predictions = []
        for i, length in enumerate(self.input_lengths(inputs)):
            positions = is_mask[i].nonzero()
            word = ""
            if len(positions):  # truncation may have cut the mask away
                token_id = int(outputs[i, int(positions[-1])].argmax())
                word = self.tokenizer.decode([token_id]).strip()
            predictions.append(
                Prediction(
                    prediction=word,
                    input_tokens=length,
                    output_tokens=1 if word else 0,
                    truncated=not len(positions) or self.truncated(length),
                )
            )
        return predictions
