"""Runners whose model call is `generate`: shared counting of the tokens produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import BatchEncoding

from powerhungry.tasks.base import Prediction
from powerhungry.tasks.text import TextModelRunner

# transformers' model-agnostic default, used when a model states no generation length.
DEFAULT_GENERATION_LENGTH = 20


def length_until_eos(tokens: torch.Tensor, eos_token_id: int | None) -> int:
    """Generated tokens up to and including the first end-of-sequence token."""
    if eos_token_id is not None:
        hits = (tokens == eos_token_id).nonzero()
        if len(hits):
            return int(hits[0]) + 1
    return len(tokens)


class GenerationRunner(TextModelRunner):
    """Greedy generation; subclasses say how long (generation_arguments).

    A decoder-only model's prompt and continuation share its positions, so the prompt is cut to
    leave room for `max_new_tokens`, from the left: the end of a prompt ("... Answer:") is what
    the continuation follows.
    """

    def generation_arguments(self) -> dict[str, Any]:
        return {}

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        super().load(model_dir, device, dtype)
        if not self.model.config.is_encoder_decoder:
            self.tokenizer.truncation_side = "left"
            new_tokens = self.generation_arguments().get("max_new_tokens") or 0
            self.max_length = max(1, self.max_length - new_tokens)

    def tokenize(self, texts: list[str], **kwargs: Any) -> BatchEncoding:
        """As TextModelRunner's, except that a decoder-only model, which cannot continue
        nothing, is given its BOS token (else EOS) for a prompt of no token (an empty row):
        where `generate` starts without a prompt. Its `input_tokens` is then 1."""
        if not self.model.config.is_encoder_decoder:
            start = self.tokenizer.bos_token or self.tokenizer.eos_token
            texts = [start if not text.strip() and self._no_token(text) else text for text in texts]
        return super().tokenize(texts, **kwargs)

    def _no_token(self, text: str) -> bool:
        return not self.tokenizer(text, add_special_tokens=False)["input_ids"]

    def forced_lengths(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Random weights never emit end-of-sequence on purpose: generate the maximum length, so
        every architecture does the same, known amount of work."""
        if not self.settings.get("random_weights"):
            return arguments
        if "max_new_tokens" in arguments:
            return {**arguments, "min_new_tokens": arguments["max_new_tokens"]}
        if "max_length" in arguments:
            return {**arguments, "min_length": arguments["max_length"]}
        limit = self.model.generation_config.max_length or DEFAULT_GENERATION_LENGTH
        return {"max_new_tokens": limit, "min_new_tokens": limit}

    def forward(self, inputs: BatchEncoding) -> torch.Tensor:
        return self.model.generate(
            **inputs,
            do_sample=False,
            pad_token_id=self.tokenizer.pad_token_id,
            **self.forced_lengths(self.generation_arguments()),
        )

    def postprocess(self, inputs: BatchEncoding, outputs: torch.Tensor) -> list[Prediction]:
        if self.model.config.is_encoder_decoder:
            generated = outputs[:, 1:]  # after the decoder start token
        else:
            generated = outputs[:, inputs["input_ids"].shape[1] :]  # after the (left-padded) prompt
        predictions = []
        for tokens, length in zip(generated, self.input_lengths(inputs), strict=True):
            produced = length_until_eos(tokens, self.tokenizer.eos_token_id)
            predictions.append(
                Prediction(
                    prediction=self.tokenizer.decode(tokens[:produced], skip_special_tokens=True),
                    input_tokens=length,
                    output_tokens=produced,
                    truncated=self.truncated(length),
                )
            )
        return predictions
