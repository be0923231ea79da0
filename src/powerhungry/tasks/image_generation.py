"""Image generation: a diffusers pipeline with its defaults unless the task settings say
otherwise (paper: all pipeline defaults). The prompt's tokens, the image size and the number of
denoising steps are recorded; prompts longer than the text encoder accepts are truncated by the
pipeline and flagged.

Pipelines run as published, with every component their `model_index.json` names: Stable Diffusion
1.x repositories ship a safety checker (`StableDiffusionSafetyChecker`, a CLIP ViT-L/14 vision
tower with 17 + 3 concept embeddings) and its `CLIPImageProcessor`; the paper ran the pipelines
as published, so the checker is loaded, run and counted here too, never dropped. What it
costs per image, after the VAE has decoded it: the image converted to PIL, resized and cropped to
224 px on the CPU, one forward pass of the vision tower at 224 px (81 GMACs, against 40 TMACs for
SD v1.5's 50 guided UNet steps at 512 px and 1.3 TMACs for its VAE decoder: 0.2% of the
arithmetic; counted with torch.utils.flop_counter on resources/architectures), and its scores
copied to the CPU (a device synchronisation per batch). Its 304M parameters add 1.2 GB (fp32) to
the load phase and to `model_parameters` (SD v1.5: 1.07B without it, 1.37B with it). An image it
flags is returned black; the work is the same either way.

Each prompt's initial noise is drawn from its own generator, seeded by its sample's
`sample_index`: a sample gets the same image alone or in a batch of any size, in any run.

A scenario's attention implementation (`attn_implementation`, transformers' setting) is refused
at load: diffusers has no equivalent for these pipelines. Its experimental
`ModelMixin.set_attention_backend` (0.42) switches only processors that dispatch through
`diffusers.attention_dispatch`; Stable Diffusion's UNet processors (`AttnProcessor2_0`) call
torch's scaled_dot_product_attention directly and would be left as they are, silently."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from diffusers import DiffusionPipeline, ModelMixin
from diffusers.pipelines.pipeline_loading_utils import simple_get_class_obj
from transformers import AutoConfig, PreTrainedModel

from powerhungry.tasks.base import ATTENTION, Prediction, Sample, TaskRunner

OPTIONAL_ARGUMENTS = ("num_inference_steps", "guidance_scale", "height", "width")


@dataclass(frozen=True)
class Prompts:
    """A batch's prompts and, one per prompt, the generator its initial noise is drawn from."""

    texts: list[str]
    generators: list[torch.Generator]


def noise_generator(sample: Sample) -> torch.Generator:
    """The generator of a sample's initial noise, seeded by its `sample_index` (KeyError
    without one). On the CPU, so that the noise is the same on every device: diffusers draws
    it there and copies it to the pipeline's (a few kB per image)."""
    return torch.Generator(device="cpu").manual_seed(int(sample["sample_index"]))


class ImageGenerationRunner(TaskRunner):
    def import_code(self, model_dir: Path) -> None:
        # Components' classes (UNet, VAE, text encoder, scheduler, safety checker) are imported
        # on first use.
        for component in DiffusionPipeline.load_config(model_dir).values():
            if isinstance(component, list) and len(component) == 2 and component[0]:
                component_class(*component)

    def load(self, model_dir: Path, device: torch.device, dtype: torch.dtype) -> None:
        """Raises ValueError where the settings ask for an attention implementation (see the
        module's docstring)."""
        if ATTENTION in self.settings:
            raise ValueError(
                f"{ATTENTION}={self.settings[ATTENTION]!r} is not supported for image "
                "generation: diffusers has no equivalent of this transformers setting for its "
                "pipelines; measure image generation without an attention scenario"
            )
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

    def preprocess(self, samples: Sequence[Sample]) -> Prompts:
        return Prompts(
            [str(sample["text"]) for sample in samples],
            [noise_generator(sample) for sample in samples],
        )

    def forward(self, inputs: Prompts) -> Any:
        arguments = {k: self.settings[k] for k in OPTIONAL_ARGUMENTS if self.settings.get(k)}
        return self.pipeline(prompt=inputs.texts, generator=inputs.generators, **arguments).images

    def postprocess(self, inputs: Prompts, outputs: Any) -> list[Prediction]:
        tokenizer = self.pipeline.tokenizer
        steps = len(self.pipeline.scheduler.timesteps)
        predictions = []
        for prompt, image in zip(inputs.texts, outputs, strict=True):
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


def component_class(library: str, name: str) -> type:
    """The class of a `model_index.json` entry `[library, name]`, resolved as diffusers resolves
    it when loading a pipeline. `library` is a package (`diffusers`, `transformers`) or the name
    of a diffusers pipeline module: SD 1.x's safety checker is `["stable_diffusion",
    "StableDiffusionSafetyChecker"]`, found in `diffusers.pipelines.stable_diffusion`, and no
    top-level module `stable_diffusion` exists. diffusers 0.42's own resolver does both
    (diffusers/pipelines/pipeline_loading_utils.py, `simple_get_class_obj`, line 413: the same
    `hasattr(pipelines, library_name)` test that `load_sub_model` relies on, line 697), and it
    imports no library a repository names beyond the ones diffusers loads components from."""
    return simple_get_class_obj(library, name)


def random_weights_pipeline(model_dir: Path) -> DiffusionPipeline:
    """The pipeline of `model_index.json` with every network (safety checker included) built from
    its config with seeded random weights; tokenizer, scheduler and the safety checker's image
    processor are loaded as they are (they hold no weights)."""
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
            component = component_class(*value)
            folder = model_dir / name
            if issubclass(component, ModelMixin):
                arguments[name] = component.from_config(component.load_config(folder))
            elif issubclass(component, PreTrainedModel):
                arguments[name] = component(AutoConfig.from_pretrained(folder))
            else:
                arguments[name] = component.from_pretrained(folder)
    pipeline_class = component_class("diffusers", index["_class_name"])
    return pipeline_class(**arguments)
