"""How much generation one inference of a cell does against the paper's logged inference its
estimate is taken from: a config that changes a generation length or the number of diffusion
steps changes its plan.

A cell's query time is scaled by the ratio of its setting to the paper's (first order: the
decoding loop, or the denoising loop, is most of an inference; the prompt's encoding, and an
image's decoding, are not scaled, so a shorter workload's estimate is a little low and a longer
one's a little high). Settings whose paper value is not known (a model's generation defaults),
and image sizes (the paper used each pipeline's own), are left unscaled and said so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# diffusers' StableDiffusionPipeline and StableDiffusionXLPipeline `__call__` default (0.42),
# what the paper's image generation ran with (pipeline defaults; paper-protocol).
DIFFUSERS_DEFAULT_STEPS = 50
# The paper's BLOOMz new tokens per dataset (paper-protocol; the paper's config,
# config/config.yaml, asks for the same: tests/unit/test_plan.py checks).
PAPER_BLOOMZ = "bigscience/bloomz-"
PAPER_BLOOMZ_NEW_TOKENS = {
    "imdb": 1,
    "sst2": 1,
    "rotten_tomatoes": 1,
    "squad": 65,
    "squad_v2": 65,
    "sciq": 65,
    "cnn_dailymail": 15,
    "samsum": 15,
    "xsum": 65,
}
# The generation settings of the paper's task-specific cells (None: the model's own defaults).
PAPER_TASK_SETTINGS: dict[str, dict[str, int | None]] = {
    "text_generation": {"max_new_tokens": 10},
    "summarization": {"max_length": 15},
    "image_captioning": {"max_new_tokens": None},
    "image_generation": {"num_inference_steps": DIFFUSERS_DEFAULT_STEPS},
}
# Settings with no paper value to scale against: the paper used each pipeline's own.
UNSCALED_SETTINGS = ("height", "width")


@dataclass(frozen=True)
class Workload:
    """A cell's workload against the paper's: `scale` (its query time over the paper's, 1.0
    where the settings are the paper's) and `note` (each setting scaled, as value/paper, and
    each left unscaled; "" where nothing differs)."""

    scale: float
    note: str


def paper_settings(task: str, model_kind: str, model_id: str, dataset_id: str) -> dict[str, Any]:
    """The generation settings the paper's cell of this task, kind of model and dataset ran
    with ({}: none that sets its length)."""
    if model_kind == "multi_purpose":
        tokens = (
            PAPER_BLOOMZ_NEW_TOKENS.get(dataset_id) if model_id.startswith(PAPER_BLOOMZ) else None
        )
        return {"max_new_tokens": tokens}
    return PAPER_TASK_SETTINGS.get(task, {})


def workload(
    task: str, model_kind: str, model_id: str, dataset_id: str, settings: Mapping[str, Any]
) -> Workload:
    """The Workload of a cell whose runner settings (`Study.runner_settings`) are `settings`."""
    scale, notes = 1.0, []
    for key, paper in paper_settings(task, model_kind, model_id, dataset_id).items():
        value = settings.get(key)
        if key == "num_inference_steps" and value is None:
            value = DIFFUSERS_DEFAULT_STEPS
        if value == paper:
            continue
        if value is None or paper is None:
            notes.append(
                f"{key} {value or 'model default'} not scaled (paper: {paper or 'model default'})"
            )
            continue
        scale *= value / paper
        notes.append(f"{key} {value}/{paper}")
    notes += [
        f"{key} {settings[key]} not scaled (paper: pipeline default)"
        for key in UNSCALED_SETTINGS
        if settings.get(key) is not None
    ]
    return Workload(scale, "; ".join(notes))
