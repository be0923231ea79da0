"""Text generation: greedy continuation of a prompt by `max_new_tokens` tokens (paper: 10)."""

from __future__ import annotations

from typing import Any

from transformers import AutoModelForCausalLM

from powerhungry.tasks.generation import GenerationRunner


class TextGenerationRunner(GenerationRunner):
    auto_model = AutoModelForCausalLM
    # Left padding keeps every prompt's last token next to its continuation in a batch.
    padding_side = "left"

    def generation_arguments(self) -> dict[str, Any]:
        return {"max_new_tokens": self.settings["max_new_tokens"]}
