"""One runner per task: preprocess -> model call -> postprocess, as one measured inference.

Task-specific models use their task's runner; multi-purpose models use the zero-shot runner
whatever the task. Runners are imported on use: the workflow reads RUNNABLE_TASKS at start-up,
and importing every runner (diffusers included) would cost seconds in every job.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from powerhungry.tasks.base import TaskRunner

RUNNERS: dict[str, str] = {
    "text_classification": "text_classification:TextClassificationRunner",
    "token_classification": "token_classification:TokenClassificationRunner",
    "extractive_qa": "extractive_qa:ExtractiveQARunner",
    "masked_language_modeling": "masked_language_modeling:MaskedLanguageModelingRunner",
    "text_generation": "text_generation:TextGenerationRunner",
    "summarization": "summarization:SummarizationRunner",
    "image_classification": "image_classification:ImageClassificationRunner",
    "object_detection": "object_detection:ObjectDetectionRunner",
    "image_captioning": "image_captioning:ImageCaptioningRunner",
    "image_generation": "image_generation:ImageGenerationRunner",
}
ZERO_SHOT_RUNNER = "zero_shot:ZeroShotRunner"
RUNNABLE_TASKS = frozenset(RUNNERS)


def make_runner(task: str, model_kind: str, settings: dict[str, Any]) -> TaskRunner:
    if model_kind == "multi_purpose":
        location = ZERO_SHOT_RUNNER
    elif task in RUNNERS:
        location = RUNNERS[task]
    else:
        raise ValueError(f"no task runner for task {task!r}")
    module, name = location.split(":")
    runner_class: type[TaskRunner] = getattr(import_module(f"{__name__}.{module}"), name)
    return runner_class(settings)
