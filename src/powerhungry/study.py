"""The study described by a validated config: its datasets, models, protocol and cells.

The JSON schema (config/schema.yaml) checks types and fills defaults; this module adds the checks a
schema cannot express (cross references, runners that exist) and turns the config into the plan of
cells, one model on one dataset, that the workflow measures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

TASKS = (
    "text_classification",
    "token_classification",
    "extractive_qa",
    "masked_language_modeling",
    "text_generation",
    "summarization",
    "image_classification",
    "object_detection",
    "image_captioning",
    "image_generation",
)


class StudyConfigError(ValueError):
    """A config that passed the schema but does not describe a runnable study."""


def slug(identifier: str) -> str:
    """File-system name of a hub id, following the Hugging Face cache convention (org--name)."""
    return identifier.replace("/", "--")


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    task: str
    split: str
    samples: int
    fields: dict[str, str]
    hub: str | None = None
    config: str | None = None
    path: str | None = None
    shuffle_seed: int | None = None
    max_words: int | None = None

    @property
    def slug(self) -> str:
        return slug(self.id)

    @property
    def source(self) -> str:
        return self.hub if self.hub is not None else str(self.path)


@dataclass(frozen=True)
class ModelSpec:
    id: str
    task: str
    kind: str
    source: str
    revision: str = "main"
    path: str | None = None
    tiny: dict[str, Any] | None = None
    datasets: list[str] | None = None

    @property
    def slug(self) -> str:
        return slug(self.id)


@dataclass(frozen=True)
class Protocol:
    batch_size: int
    repetitions: int
    warmup_inferences: int
    measure_power_secs: float
    carbon_intensity: str | float
    device: str
    dtype: str


@dataclass(frozen=True)
class Cell:
    """One model measured on one dataset of its task."""

    task: str
    model: ModelSpec
    dataset: DatasetSpec


@dataclass(frozen=True)
class Study:
    name: str
    cache_dir: str
    tasks: dict[str, dict[str, Any]]
    datasets: list[DatasetSpec]
    models: list[ModelSpec]
    protocol: Protocol
    cells: list[Cell] = field(default_factory=list)

    def dataset(self, task: str, dataset_slug: str) -> DatasetSpec:
        for spec in self.datasets:
            if spec.task == task and spec.slug == dataset_slug:
                return spec
        raise KeyError(f"no dataset {dataset_slug!r} for task {task!r} in the study")

    def model(self, model_slug: str) -> ModelSpec:
        for spec in self.models:
            if spec.slug == model_slug:
                return spec
        raise KeyError(f"no model {model_slug!r} in the study")


def as_params(spec: DatasetSpec | ModelSpec | Protocol) -> dict[str, Any]:
    """Plain dict of a spec, for Snakemake params (compared between runs to decide reruns)."""
    return asdict(spec)


def load_study(config: Mapping[str, Any], runnable_tasks: frozenset[str]) -> Study:
    """Build the study from a schema-validated config; raise StudyConfigError naming the key."""
    tasks = dict(config["tasks"])
    datasets = [DatasetSpec(**entry) for entry in config["datasets"]]
    models = [ModelSpec(**entry) for entry in config["models"]]
    protocol = Protocol(**config["protocol"])
    _check(tasks, datasets, models, protocol, runnable_tasks)
    cells = [
        Cell(task=model.task, model=model, dataset=dataset)
        for model in models
        for dataset in datasets
        if dataset.task == model.task and (model.datasets is None or dataset.id in model.datasets)
    ]
    return Study(
        name=config["study"],
        cache_dir=config["cache_dir"],
        tasks=tasks,
        datasets=datasets,
        models=models,
        protocol=protocol,
        cells=cells,
    )


def _check(
    tasks: dict[str, Any],
    datasets: list[DatasetSpec],
    models: list[ModelSpec],
    protocol: Protocol,
    runnable_tasks: frozenset[str],
) -> None:
    for task in tasks:
        if task not in runnable_tasks:
            raise StudyConfigError(
                f"tasks.{task}: no task runner is implemented for this task yet "
                f"(implemented: {', '.join(sorted(runnable_tasks))})"
            )
    _check_carbon_intensity(protocol.carbon_intensity)
    seen_datasets: set[tuple[str, str]] = set()
    for i, dataset in enumerate(datasets):
        where = f"datasets[{i}]"
        if dataset.task not in tasks:
            raise StudyConfigError(
                f"{where}.task: dataset {dataset.id!r} has task {dataset.task!r}, "
                "which is not listed under tasks"
            )
        if (dataset.task, dataset.slug) in seen_datasets:
            raise StudyConfigError(
                f"{where}.id: duplicate dataset id {dataset.id!r} for task {dataset.task!r}"
            )
        seen_datasets.add((dataset.task, dataset.slug))
        if dataset.samples < protocol.batch_size:
            raise StudyConfigError(
                f"{where}.samples: dataset {dataset.id!r} has {dataset.samples} samples, "
                f"fewer than protocol.batch_size {protocol.batch_size}"
            )
    seen_models: set[str] = set()
    for i, model in enumerate(models):
        where = f"models[{i}]"
        if model.task not in tasks:
            raise StudyConfigError(
                f"{where}.task: model {model.id!r} has task {model.task!r}, "
                "which is not listed under tasks"
            )
        if model.slug in seen_models:
            raise StudyConfigError(f"{where}.id: duplicate model id {model.id!r}")
        seen_models.add(model.slug)
        task_datasets = {d.id for d in datasets if d.task == model.task}
        if not task_datasets:
            raise StudyConfigError(
                f"{where}.task: model {model.id!r} has task {model.task!r}, which has no datasets"
            )
        for name in model.datasets or []:
            if name not in task_datasets:
                raise StudyConfigError(
                    f"{where}.datasets: model {model.id!r} lists {name!r}, "
                    f"which is not a dataset of task {model.task!r}"
                )


def _check_carbon_intensity(carbon_intensity: str | float) -> None:
    """CodeCarbon falls back to a world average for a country it does not know: refuse instead."""
    if not isinstance(carbon_intensity, str):
        return
    from codecarbon.input import DataSource

    if carbon_intensity not in DataSource().get_global_energy_mix_data():
        raise StudyConfigError(
            f"protocol.carbon_intensity: {carbon_intensity!r} is not a country code in "
            "CodeCarbon's grid data (use an ISO 3166-1 alpha-3 code such as USA or FRA, or a "
            "positive intensity in gCO2eq/kWh)"
        )
