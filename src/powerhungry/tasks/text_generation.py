"""Text generation: greedy continuation of a prompt by `max_new_tokens` tokens (paper: 10)."""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, BatchEncoding

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.text import TextModelRunner


class TextGenerationRunner(TextModelRunner):
    auto_model = AutoModelForCausalLM
    # Left padding keeps every prompt's last token next to its continuation in a batch.
    padding_side = "left"

    def forward(self, inputs: BatchEncoding) -> torch.Tensor:
        return self.model.generate(
            **inputs,
            max_new_tokens=self.settings["max_new_tokens"],
            do_sample=False,
            pad_token_id=self.tokenizer.pad_token_id,
        )

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        prompt_width = inputs["input_ids"].shape[1]
        continuations = outputs[:, prompt_width:]
        input_lengths = inputs["attention_mask"].sum(dim=1).tolist()
        predictions = []
        for continuation, input_length in zip(continuations, input_lengths, strict=True):
            output_length = _length_until_eos(continuation, self.tokenizer.eos_token_id)
            predictions.append(
                Prediction(
                    prediction=self.tokenizer.decode(
                        continuation[:output_length], skip_special_tokens=True
                    ),
                    input_tokens=int(input_length),
                    output_tokens=output_length,
                )
            )
        return predictions


def _length_until_eos(tokens: torch.Tensor, eos_token_id: int | None) -> int:
    """Generated tokens up to and including the first end-of-sequence token."""
    if eos_token_id is not None:
        hits = (tokens == eos_token_id).nonzero()
        if len(hits):
            return int(hits[0]) + 1
    return len(tokens)
