"""Summarization: an encoder-decoder model's summary, `min_length`..`max_length` tokens (paper:
10..15, the lengths its summarization pipelines were called with)."""

from __future__ import annotations

from typing import Any

from transformers import AutoModelForSeq2SeqLM

from powerhungry.tasks.generation import GenerationRunner


class SummarizationRunner(GenerationRunner):
    auto_model = AutoModelForSeq2SeqLM

    def generation_arguments(self) -> dict[str, Any]:
        return {
            "min_length": self.settings["min_length"],
            "max_length": self.settings["max_length"],
        }
