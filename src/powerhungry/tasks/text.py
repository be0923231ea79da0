"""Shared loading and tokenization of the text tasks' runners."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from transformers import AutoTokenizer, BatchEncoding

from powerhungry.tasks.base import Sample, TaskRunner


class TextModelRunner(TaskRunner):
    """A tokenizer and an `AutoModel*` class loaded from one save_pretrained directory."""

    auto_model: ClassVar[Any]
    padding_side: ClassVar[str] = "right"

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        self.device = device
        self.tokenizer = AutoTokenizer.from_pretrained(
            model_dir, local_files_only=True, padding_side=self.padding_side
        )
        if self.tokenizer.pad_token is None:  # GPT-style tokenizers pad with end-of-sequence
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.model = self.auto_model.from_pretrained(
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
