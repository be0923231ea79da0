"""Image generation: a diffusers pipeline with its defaults unless the task settings say
otherwise (paper: all pipeline defaults). The prompt's tokens, the image size and the number of
denoising steps are recorded; prompts longer than the text encoder accepts are truncated by the
pipeline and flagged."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from pathlib import Path
from typing import Any

import torch
from diffusers import DiffusionPipeline, ModelMixin
from transformers import AutoConfig, PreTrainedModel

from powerhungry.tasks.base import Prediction, Sample, TaskRunner

OPTIONAL_ARGUMENTS = ("num_inference_steps", "guidance_scale", "height", "width")


class ImageGenerationRunner(TaskRunner):
    def import_code(self, model_dir: Path) -> None:
        # Components' classes (UNet, VAE, text encoder, scheduler) are imported on first use.
        for component in DiffusionPipeline.load_config(model_dir).values():
            if isinstance(component, list) and len(component) == 2 and component[0]:
                library, name = component
                getattr(import_module(library), name)

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        if self.settings.get("random_weights"):
            pipeline = random_weights_pipeline(model_dir).to(dtype=dtype)
        else:
            pipeline = DiffusionPipeline.from_pretrained(
                model_dir, local_files_only=True, dtype=dtype
            )
        self.pipeline = pipeline.to(device)
        self.pipeline.set_progress_bar_config(disable=True)

    def networks(self) -> list[torch.nn.Module]:
        components = self.pipeline.components.values()
        return [c for c in components if isinstance(c, torch.nn.Module)]

    def describe_model(self) -> dict[str, Any]:
        return {**super().describe_model(), "architecture_kind": "diffusion"}

    def preprocess(self, samples: Sequence[Sample]) -> list[str]:
        return [str(sample["text"]) for sample in samples]

    def forward(self, inputs: list[str]) -> Any:
        arguments = {k: self.settings[k] for k in OPTIONAL_ARGUMENTS if self.settings.get(k)}
        return self.pipeline(prompt=inputs, **arguments).images

    def postprocess(self, inputs: list[str], outputs: Any) -> list[Prediction]:
        tokenizer = self.pipeline.tokenizer
        steps = len(self.pipeline.scheduler.timesteps)
        predictions = []
        for prompt, image in zip(inputs, outputs, strict=True):
            tokens = len(tokenizer(prompt).input_ids)
            predictions.append(
                Prediction(
                    prediction="",
                    input_tokens=min(tokens, tokenizer.model_max_length),
                    truncated=tokens > tokenizer.model_max_length,
                    image_width=image.width,
                    image_height=image.height,
                    inference_steps=steps,
                )
            )
        return predictions


def random_weights_pipeline(model_dir: Path) -> DiffusionPipeline:
    """The pipeline of `model_index.json` with every network built from its config with seeded
    random weights; tokenizer and scheduler are loaded as they are (they hold no weights)."""
    torch.manual_seed(0)
    index = DiffusionPipeline.load_config(model_dir)
    arguments: dict[str, Any] = {}
    for name, value in index.items():
        if name.startswith("_"):
            continue
        if not (isinstance(value, list) and len(value) == 2):
            arguments[name] = value  # a pipeline option, e.g. requires_safety_checker
        elif value[0] is None:
            arguments[name] = None  # a component the pipeline runs without
        else:
            component = getattr(import_module(value[0]), value[1])
            folder = model_dir / name
            if issubclass(component, ModelMixin):
                arguments[name] = component.from_config(component.load_config(folder))
            elif issubclass(component, PreTrainedModel):
                arguments[name] = component(AutoConfig.from_pretrained(folder))
            else:
                arguments[name] = component.from_pretrained(folder)
    pipeline_class = getattr(import_module("diffusers"), index["_class_name"])
    return pipeline_class(**arguments)
