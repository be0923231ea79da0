"""Image captioning: greedy caption of an image-to-text model (ViT+GPT2, BLIP, GIT, BLIP-2).

`max_new_tokens` None keeps the model's generation defaults, as the paper's pipelines did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import AutoModelForImageTextToText, AutoTokenizer, BatchFeature

from powerhungry.tasks.base import Prediction, load_options
from powerhungry.tasks.generation import DEFAULT_GENERATION_LENGTH, length_until_eos
from powerhungry.tasks.vision import ImageModelRunner


def prompt_length(config: Any) -> int:
    """Tokens `generate` returns before the caption: the decoder start token (ViT-GPT2, BLIP,
    GIT, BLIP-2 with Flan-T5), or, for BLIP-2 with a decoder-only language model (OPT), the
    prompt it builds itself: one image token per query token, then BOS (transformers 5)."""
    if hasattr(config, "num_query_tokens") and not config.text_config.is_encoder_decoder:
        return config.num_query_tokens + 1
    return 1


class ImageCaptioningRunner(ImageModelRunner):
    auto_model = AutoModelForImageTextToText

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        super().load(model_dir, device, dtype)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir, **load_options(self.settings))

    def forward(self, inputs: BatchFeature) -> torch.Tensor:
        limit = self.settings.get("max_new_tokens")
        lengths = {} if limit is None else {"max_new_tokens": limit}
        if self.settings.get("random_weights"):  # never stops by itself: force the maximum
            limit = limit or self.model.generation_config.max_length or DEFAULT_GENERATION_LENGTH
            lengths = {"max_new_tokens": limit, "min_new_tokens": limit}
        return self.model.generate(pixel_values=inputs["pixel_values"], do_sample=False, **lengths)

    def postprocess(self, inputs: BatchFeature, outputs: Any) -> list[Prediction]:
        predictions = []
        for tokens in outputs:
            tokens = tokens[prompt_length(self.model.config) :]
            produced = length_until_eos(tokens, self.tokenizer.eos_token_id)
            caption = self.tokenizer.decode(tokens[:produced], skip_special_tokens=True).strip()
            predictions.append(Prediction(prediction=caption, output_tokens=produced))
        return predictions
