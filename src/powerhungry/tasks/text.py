"""Shared loading and tokenization of the text tasks' runners."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from transformers import AutoConfig, AutoTokenizer, BatchEncoding

from powerhungry.tasks.base import Sample, TaskRunner, attention_options, load_options


def load_model(auto_model: Any, model_dir: Path, dtype: torch.dtype, settings: dict) -> Any:
    """The checkpoint's weights, or, in architecture-only mode, seeded random weights built from
    its config (optimum-benchmark's no-weights idea): the same computation, no checkpoint.
    Either way with the scenario's attention implementation, if it sets one
    (`attention_options`; transformers' error if the model lacks it)."""
    attention = attention_options(settings)
    if settings.get("random_weights"):
        torch.manual_seed(0)
        config = AutoConfig.from_pretrained(model_dir, **load_options(settings))
        return auto_model.from_config(config, dtype=dtype, **trusted(settings), **attention)
    return auto_model.from_pretrained(model_dir, dtype=dtype, **load_options(settings), **attention)


def import_model_code(auto_model: Any, model_dir: Path, settings: dict) -> None:
    """Build the model on the meta device (no memory, no weights): this imports its classes."""
    config = AutoConfig.from_pretrained(model_dir, **load_options(settings))
    with torch.device("meta"):
        auto_model.from_config(config, **trusted(settings))


def trusted(settings: dict) -> dict[str, bool]:
    """`from_config` takes only the remote-code switch of the load options."""
    return {"trust_remote_code": load_options(settings)["trust_remote_code"]}


# Used when neither the tokenizer nor the model config states a usable maximum input length.
FALLBACK_MAX_LENGTH = 512


def max_input_length(tokenizer: Any, config: Any) -> int:
    """The longest input the model accepts: its position table, else the tokenizer's limit."""
    limits = [
        value
        for value in (
            getattr(config, "max_position_embeddings", None),
            getattr(config, "n_positions", None),
            tokenizer.model_max_length,
        )
        if isinstance(value, int) and 0 < value < 1_000_000
    ]
    # RoBERTa-style models reserve two positions for the padding offset.
    if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert", "bertweet"}:
        limits = [limit - 2 if limit > 2 else limit for limit in limits]
    return min(limits, default=FALLBACK_MAX_LENGTH)


class TextModelRunner(TaskRunner):
    """A tokenizer and an `AutoModel*` class loaded from one save_pretrained directory.

    Inputs longer than the model accepts are truncated at its maximum length and flagged.
    """

    auto_model: ClassVar[Any]
    padding_side: ClassVar[str] = "right"

    def import_code(self, model_dir: Path) -> None:
        import_model_code(self.auto_model, model_dir, self.settings)
        AutoTokenizer.from_pretrained(model_dir, **load_options(self.settings))

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(
            model_dir, padding_side=self.padding_side, **load_options(self.settings)
        )
        if self.tokenizer.pad_token is None:  # GPT-style tokenizers pad with end-of-sequence
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = load_model(self.auto_model, model_dir, dtype, self.settings).to(device)
        self.model.eval()
        self.max_length = max_input_length(self.tokenizer, self.model.config)

    def tokenize(self, texts: list[str], **kwargs: Any) -> BatchEncoding:
        return self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
            **kwargs,
        )

    def preprocess(self, samples: Sequence[Sample]) -> BatchEncoding:
        return self.tokenize([str(sample["text"]) for sample in samples]).to(self.device)

    def input_lengths(self, inputs: BatchEncoding) -> list[int]:
        return [int(n) for n in inputs["attention_mask"].sum(dim=1).tolist()]

    def truncated(self, length: int) -> bool:
        """An input that fills the maximum length was (almost surely) cut there."""
        return length >= self.max_length
