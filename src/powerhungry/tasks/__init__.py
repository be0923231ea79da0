"""One runner per task: preprocess -> model call -> postprocess, as one measured inference."""

from __future__ import annotations

from typing import Any

from powerhungry.tasks.base import Prediction, TaskRunner
from powerhungry.tasks.text_classification import TextClassificationRunner
from powerhungry.tasks.text_generation import TextGenerationRunner

RUNNERS: dict[str, type[TaskRunner]] = {
    "text_classification": TextClassificationRunner,
    "text_generation": TextGenerationRunner,
}
RUNNABLE_TASKS = frozenset(RUNNERS)


def make_runner(task: str, settings: dict[str, Any]) -> TaskRunner:
    try:
        runner_class = RUNNERS[task]
    except KeyError:
        raise ValueError(f"no task runner for task {task!r}") from None
    return runner_class(settings)


__all__ = ["RUNNABLE_TASKS", "Prediction", "TaskRunner", "make_runner"]
