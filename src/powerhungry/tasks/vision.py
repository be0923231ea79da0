"""Shared loading and image decoding of the image tasks' runners."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import torch
from PIL import Image
from transformers import AutoImageProcessor, BatchFeature

from powerhungry.data.preprocess import decode_png
from powerhungry.tasks.base import Sample, TaskRunner, load_options
from powerhungry.tasks.text import import_model_code, load_model


class ImageModelRunner(TaskRunner):
    """An image processor and an `AutoModel*` class loaded from one save_pretrained directory."""

    auto_model: ClassVar[Any]

    def import_code(self, model_dir: Path) -> None:
        import_model_code(self.auto_model, model_dir, self.settings)
        AutoImageProcessor.from_pretrained(model_dir, **load_options(self.settings))

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        self.device, self.dtype = device, dtype
        self.image_processor = AutoImageProcessor.from_pretrained(
            model_dir, **load_options(self.settings)
        )
        self.model = load_model(self.auto_model, model_dir, dtype, self.settings).to(device)
        self.model.eval()

    def preprocess(self, samples: Sequence[Sample]) -> BatchFeature:
        self.images: list[Image.Image] = [decode_png(sample["image"]) for sample in samples]
        inputs = self.image_processor(images=self.images, return_tensors="pt")
        return inputs.to(self.device, dtype=self.dtype)
