"""The paper's ten tasks: one registry of what every part of the workflow needs to know about a
task, and one runner per task (preprocess -> model call -> postprocess, as one measured inference).

`TASKS` is the one home of the task names and their order (the paper's, Table 1), the dataset
fields (roles) each runner reads, the runner, the sample column quality is scored against and its
scorer, and the modality the paper groups its figures by. The config schema's task enum is
checked against it by a test.

Task-specific models use their task's runner; multi-purpose models use the zero-shot runner
whatever the task. Runners and scorers are imported on use: the workflow reads the registry at
start-up, and importing every runner (diffusers included) would cost seconds in every job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from powerhungry.tasks.base import TaskRunner

TEXT_INPUT = "text input"
IMAGE_INPUT = "image input"
# Its own group in the paper's figures: its emissions sit two orders of magnitude above the rest.
IMAGE_GENERATION = "image generation (text to image)"


@dataclass(frozen=True)
class Task:
    """One task of the study.

    `inputs` are the dataset roles (config `fields` keys) its runner reads; `runner` is
    "module:Class" under `powerhungry.tasks`; `reference` is the sample column predictions are
    scored against and `scorer` the "module:function" under `powerhungry.quality` that scores
    them (both None for tasks without references: generated text, images and boxes);
    `modality` is the paper's grouping of tasks in its figures.
    """

    name: str
    inputs: frozenset[str]
    runner: str
    modality: str
    reference: str | None = None
    scorer: str | None = None

    @property
    def label(self) -> str:
        """The name as figures and pages print it ("extractive QA")."""
        return task_label(self.name)


_TEXT = frozenset({"text"})
_IMAGE = frozenset({"image"})
TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        Task(
            "text_classification",
            _TEXT,
            "text_classification:TextClassificationRunner",
            TEXT_INPUT,
            "label",
            "classification:score_text_classification",
        ),
        Task(
            "token_classification",
            _TEXT,
            "token_classification:TokenClassificationRunner",
            TEXT_INPUT,
            "tags",
            "entities:score_token_classification",
        ),
        Task(
            "extractive_qa",
            frozenset({"question", "context"}),
            "extractive_qa:ExtractiveQARunner",
            TEXT_INPUT,
            "answers",
            "squad:score_extractive_qa",
        ),
        Task(
            "masked_language_modeling",
            _TEXT,
            "masked_language_modeling:MaskedLanguageModelingRunner",
            TEXT_INPUT,
            "target",
            "text:score_masked_language_modeling",
        ),
        Task("text_generation", _TEXT, "text_generation:TextGenerationRunner", TEXT_INPUT),
        Task(
            "summarization",
            _TEXT,
            "summarization:SummarizationRunner",
            TEXT_INPUT,
            "summary",
            "text:score_summarization",
        ),
        Task(
            "image_classification",
            _IMAGE,
            "image_classification:ImageClassificationRunner",
            IMAGE_INPUT,
            "label",
            "classification:score_image_classification",
        ),
        Task("object_detection", _IMAGE, "object_detection:ObjectDetectionRunner", IMAGE_INPUT),
        Task("image_captioning", _IMAGE, "image_captioning:ImageCaptioningRunner", IMAGE_INPUT),
        Task(
            "image_generation",
            _TEXT,
            "image_generation:ImageGenerationRunner",
            IMAGE_GENERATION,
        ),
    )
}
ZERO_SHOT_RUNNER = "zero_shot:ZeroShotRunner"
# Tasks whose task-specific runner generates text (its predictions' output_tokens are the tokens
# it generated); a multi-purpose model generates text for every task.
TEXT_GENERATING = frozenset({"text_generation", "summarization", "image_captioning"})


def generates_text(task: str, model_kind: str) -> bool:
    """Whether a cell's model generates text, so that energy per output token means something."""
    return model_kind == "multi_purpose" or task in TEXT_GENERATING


RUNNABLE_TASKS = frozenset(TASKS)


def task_label(task: str) -> str:
    """How figures and pages print a task name ("extractive_qa" -> "extractive QA")."""
    return task.replace("_", " ").replace(" qa", " QA")


def ordered_tasks(tasks: Iterable[str]) -> list[str]:
    """`tasks` (any iterable of names) in the paper's order, unknown names last, sorted."""
    known = set(tasks)
    return [t for t in TASKS if t in known] + sorted(known - set(TASKS))


def load(location: str, package: str) -> Any:
    """The object at "module:name" under `package` (a runner class, a scorer function)."""
    module, name = location.split(":")
    return getattr(import_module(f"{package}.{module}"), name)


def make_runner(task: str, model_kind: str, settings: dict[str, Any]) -> TaskRunner:
    """A runner for `task` (a TASKS key) and `model_kind` ("task_specific" or "multi_purpose");
    raises ValueError for a task outside the registry."""
    if model_kind == "multi_purpose":
        location = ZERO_SHOT_RUNNER
    elif task in TASKS:
        location = TASKS[task].runner
    else:
        raise ValueError(f"no task runner for task {task!r}")
    runner_class: type[TaskRunner] = load(location, __name__)
    return runner_class(settings)
