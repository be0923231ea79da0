"""Multi-purpose models run zero-shot: the task's prompt template filled from the sample, then
greedy generation. Encoder-decoder models (Flan-T5) and decoder-only models (BLOOMz) are told
apart by their config. `max_new_tokens` None keeps the model's generation defaults (the paper
did so for Flan-T5)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, BatchEncoding

from powerhungry.tasks.base import Sample, load_options
from powerhungry.tasks.generation import GenerationRunner


class ZeroShotRunner(GenerationRunner):
    def choose_model_class(self, model_dir: Path) -> None:
        config = AutoConfig.from_pretrained(model_dir, **load_options(self.settings))
        if config.is_encoder_decoder:
            self.auto_model, self.padding_side = AutoModelForSeq2SeqLM, "right"
        else:  # left padding keeps each prompt next to its continuation
            self.auto_model, self.padding_side = AutoModelForCausalLM, "left"

    def import_code(self, model_dir: Path) -> None:
        self.choose_model_class(model_dir)
        super().import_code(model_dir)

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        self.choose_model_class(model_dir)
        super().load(model_dir, device, dtype)

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        template = self.settings["prompt"]
        prompts = [template.format(**sample) for sample in samples]
        return self.tokenize(prompts).to(self.device)

    def generation_arguments(self) -> dict[str, Any]:
        limit = self.settings.get("max_new_tokens")
        return {} if limit is None else {"max_new_tokens": limit}
