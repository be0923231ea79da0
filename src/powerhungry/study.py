"""The study described by a validated config: its datasets, models, protocol, deployment
scenarios and cells.

The JSON schema (config/schema.yaml) checks types and fills defaults; this module adds the checks a
schema cannot express (cross references, runners that exist) and turns the config into the plan of
cells, one model on one dataset, that the workflow measures.
"""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from powerhungry.data.file_columns import LoadingScriptFolderError, local_columns
from powerhungry.data.hub import PARQUET_EXPORT, is_namespaced, namespaced_id_hint
from powerhungry.scenarios import Scenario, ScenarioError, load_scenarios, scenario_name
from powerhungry.tasks import TASKS


class StudyConfigError(ValueError):
    """A config that passed the schema but does not describe a runnable study."""


def schema_problem(config: Mapping[str, Any], schema: Mapping[str, Any]) -> str | None:
    """The one most relevant way `config` breaks the JSON schema, as "key.path: what is
    wrong" (jsonschema's best match), or None if it is valid. Snakemake's own validation
    message prints the whole schema after it; this is what a user needs to read."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft202012Validator(schema).iter_errors(config))
    if error is None:
        return None
    where = error.json_path.removeprefix("$").removeprefix(".") or "(top level)"
    if error.validator == "additionalProperties":
        # Which keys are allowed there, and why, rather than only the one that is not.
        allowed = f"; {where} takes {', '.join(error.schema.get('properties', {}))}"
        why = f" ({error.schema['description']})" if "description" in error.schema else ""
        return f"{where}: {error.message}{allowed}{why}"
    if error.validator == "pattern" and "description" in error.schema:
        # A pattern says little by itself: the key's own description says what belongs there.
        return (
            f"{where}: {error.message}; {where.rsplit('.', 1)[-1]}: {error.schema['description']}"
        )
    return f"{where}: {error.message}"


def read_config_files(paths: Sequence[str | Path]) -> dict[str, Any]:
    """The config the YAML files make together, later files overriding earlier ones key by
    key, as Snakemake merges `--configfile` files (snakemake.utils.update_config)."""
    import yaml
    from snakemake.utils import update_config

    config: dict[str, Any] = {}
    for path in paths:
        update_config(config, yaml.safe_load(Path(path).read_text()) or {})
    return config


def study_from_config(
    config: dict[str, Any], schema_path: str | Path, runnable_tasks: frozenset[str]
) -> Study:
    """The study of a config as the workflow reads it: checked against the JSON schema, its
    defaults filled in `config` itself (Snakemake's `validate`), then `load_study`. Raises
    StudyConfigError naming the key at fault."""
    import yaml
    from snakemake.utils import validate

    if problem := schema_problem(config, yaml.safe_load(Path(schema_path).read_text())):
        raise StudyConfigError(problem)
    validate(config, str(schema_path))
    return load_study(config, runnable_tasks)


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
    revision: str | None = None
    data_dir: str | None = None
    path: str | None = None
    shuffle_seed: int | None = None
    max_words: int | None = None
    mask_last_word: bool = False
    image_size: list[int] | None = None
    image_urls: bool = False
    substitute: str | None = None

    @cached_property  # asked for by every job of the plan: computed once
    def slug(self) -> str:
        return slug(self.id)

    @property
    def source(self) -> str:
        return self.hub if self.hub is not None else str(self.path)

    @property
    def read_instead(self) -> str:
        """The source read in place of the paper's dataset where this entry is a substitute;
        empty where it is the paper's own (the tables' dataset_substitute)."""
        return self.source if self.substitute else ""


@dataclass(frozen=True)
class ModelSpec:
    id: str
    kind: str
    source: str
    task: str | None = None
    tasks: list[str] | None = None
    revision: str = "main"
    path: str | None = None
    tiny: dict[str, Any] | None = None
    datasets: list[str] | None = None
    prompts: dict[str, str] = field(default_factory=dict)
    max_new_tokens: int | dict[str, int] | None = None
    weights: str = "pretrained"
    trust_remote_code: bool = False
    hub: str | None = None

    @property
    def repo(self) -> str:
        """The hub repository fetched: `hub` where the paper's id has moved, else the id."""
        return self.hub or self.id

    @cached_property  # asked for by every job of the plan: computed once
    def slug(self) -> str:
        return slug(self.id)

    @property
    def evaluated_tasks(self) -> list[str]:
        """The task of a task-specific model, or the tasks a multi-purpose model runs zero-shot."""
        return list(self.tasks or []) if self.kind == "multi_purpose" else [str(self.task)]


@dataclass(frozen=True)
class Protocol:
    batch_size: int
    repetitions: int
    warmup_inferences: int
    measure_power_secs: float
    carbon_intensity: str | float
    device: str
    dtype: str
    max_repetitions: int | None = None
    target_relative_halfwidth: float | None = None
    idle_seconds: float = 30
    # transformers' attn_implementation ("eager", "sdpa", ...); None: the model's default.
    attention: str | None = None

    @property
    def adaptive(self) -> bool:
        return self.max_repetitions is not None


def result_path(
    task: str, model: str, dataset: str, folder: str, suffix: str, scenario: str = ""
) -> str:
    """Where the workflow keeps a cell's file of a kind, relative to its folder:
    results/<folder>/<task>/<model slug>/<dataset slug><scenario><suffix> (rule
    measure_inference's outputs, e.g. folder "measurements", suffix ".csv"), from the model's
    and dataset's ids and the scenario's suffix (Scenario.suffix: "" for the default scenario)."""
    return f"results/{folder}/{task}/{slug(model)}/{slug(dataset)}{scenario}{suffix}"


@dataclass(frozen=True)
class Cell:
    """One model measured on one dataset of its task, in one deployment scenario."""

    task: str
    model: ModelSpec
    dataset: DatasetSpec
    scenario: Scenario

    @property
    def protocol(self) -> Protocol:
        """How this cell is measured: the study's protocol with its scenario's settings."""
        return self.scenario.protocol

    def result_path(self, folder: str, suffix: str) -> str:
        """`result_path` of this cell."""
        return result_path(
            self.task, self.model.id, self.dataset.id, folder, suffix, self.scenario.suffix
        )


@dataclass(frozen=True)
class Study:
    name: str
    cache_dir: str
    tasks: dict[str, dict[str, Any]]
    datasets: list[DatasetSpec]
    models: list[ModelSpec]
    protocol: Protocol
    zero_shot_prompts: dict[str, str] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)

    def runner_settings(self, task: str, model: ModelSpec, dataset: DatasetSpec) -> dict[str, Any]:
        """What a cell's runner needs: a task-specific model's task settings, whether weights
        are random, and a multi-purpose model's prompt and generation length for this dataset
        (None keeps the model's generation defaults)."""
        # A multi-purpose model reads only its prompt and generation length, not the task's
        # settings (a task-specific summarizer's lengths): changing those never reruns it.
        settings = {} if model.kind == "multi_purpose" else dict(self.tasks[task])
        settings["random_weights"] = model.weights == "random"
        if model.trust_remote_code:  # only when allowed: other cells' settings stay as they were
            settings["trust_remote_code"] = True
        if model.kind == "multi_purpose":
            settings["prompt"] = prompt_template(model, task, self.zero_shot_prompts)
            settings["max_new_tokens"] = (
                model.max_new_tokens.get(dataset.id)
                if isinstance(model.max_new_tokens, dict)
                else model.max_new_tokens
            )
        return canonical(settings)

    def dataset(self, task: str, dataset_slug: str) -> DatasetSpec:
        for spec in self.datasets:
            if spec.task == task and spec.slug == dataset_slug:
                return spec
        raise KeyError(f"no dataset {dataset_slug!r} for task {task!r} in the study")

    def cell(self, task: str, model_slug: str, dataset_slug: str, scenario: str = "") -> Cell:
        """The cell of the workflow's wildcards (`scenario`: its suffix, "" or "@<name>");
        KeyError if the study has none."""
        try:
            return self._cells_by_slug[task, model_slug, dataset_slug, scenario_name(scenario)]
        except KeyError:
            raise KeyError(
                f"no cell {task}/{model_slug}/{dataset_slug}{scenario} in the study"
            ) from None

    def scenario(self, suffix: str) -> Scenario:
        """The scenario of a file name's suffix (the workflow's `scenario` wildcard: "" or
        "@<name>"); KeyError if the study has none of that name."""
        name = scenario_name(suffix)
        for scenario in self.scenarios:
            if scenario.name == name:
                return scenario
        raise KeyError(f"no scenario {name!r} in the study")

    @cached_property
    def _cells_by_slug(self) -> dict[tuple[str, str, str, str], Cell]:
        # Asked by every job of a plan (hundreds of cells): a lookup, not a scan.
        return {(c.task, c.model.slug, c.dataset.slug, c.scenario.name): c for c in self.cells}

    def model(self, model_slug: str) -> ModelSpec:
        for spec in self.models:
            if spec.slug == model_slug:
                return spec
        raise KeyError(f"no model {model_slug!r} in the study")


# What makes a prepared model what it is. Which datasets it runs on, its prompts and generation
# lengths are per-cell runner settings, so changing them reruns only the cells concerned.
MODEL_IDENTITY = ("id", "kind", "source", "revision", "path", "tiny", "weights")
# Keys added after results were first recorded, in params only when set: entries without them
# keep the params (and so the results) they had. A model's `hub` is the repo fetched, its code
# is fetched only where allowed; a dataset's images may be fetched by URL.
PARAMS_IF_SET: dict[type, dict[str, Any]] = {
    ModelSpec: {"hub": None, "trust_remote_code": False},
    DatasetSpec: {"image_urls": False, "substitute": None},
    Protocol: {"attention": None},
}
# Protocol settings that cannot change a cell's measurement, left out of its params so that
# changing them replans no measurement: each job measures its own idle baseline, and its rows
# record how long (the energies of a cell do not depend on it).
NOT_A_CELL_SETTING = frozenset({"idle_seconds"})


def canonical(value: Any) -> Any:
    """Mappings with sorted keys, recursively: Snakemake compares params by their text, and the
    order of keys in a YAML file must not decide whether a measurement reruns."""
    if isinstance(value, Mapping):
        return {key: canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [canonical(item) for item in value]
    return value


def as_params(spec: DatasetSpec | ModelSpec | Protocol) -> dict[str, Any]:
    """Plain dict of a spec, for Snakemake params (compared between runs to decide reruns):
    what makes a model what it is (MODEL_IDENTITY), a dataset entry, or the protocol's settings
    that can change a cell's measurement (not NOT_A_CELL_SETTING). A Protocol, DatasetSpec or
    ModelSpec is rebuilt from it with the spec's defaults for what is left out."""
    if_set = PARAMS_IF_SET.get(type(spec), {})
    if isinstance(spec, ModelSpec):
        values = {name: getattr(spec, name) for name in (*MODEL_IDENTITY, *if_set)}
    elif isinstance(spec, Protocol):
        values = {k: v for k, v in asdict(spec).items() if k not in NOT_A_CELL_SETTING}
    else:
        values = asdict(spec)
    return canonical(
        {
            name: value
            for name, value in values.items()
            if not (name in if_set and value == if_set[name])
        }
    )


def _check_batches_fit(datasets: list[DatasetSpec], cells: list[Cell]) -> None:
    """A batch larger than the dataset would not be measured at its size."""
    for cell in cells:
        if cell.dataset.samples < cell.protocol.batch_size:
            where = "protocol" if cell.scenario.is_default else f"scenario {cell.scenario.name!r}"
            raise StudyConfigError(
                f"datasets[{datasets.index(cell.dataset)}].samples: dataset {cell.dataset.id!r} "
                f"has {cell.dataset.samples} samples, fewer than the batch_size "
                f"{cell.protocol.batch_size} of {where}; sample more, or lower the batch size"
            )


def _check_every_dataset_is_used(datasets: list[DatasetSpec], cells: list[Cell]) -> None:
    """A dataset no model runs on is most likely a typo in a model's `datasets` or `task`."""
    used = {(cell.task, cell.dataset.id) for cell in cells}
    for index, dataset in enumerate(datasets):
        if (dataset.task, dataset.id) not in used:
            raise StudyConfigError(
                f"datasets[{index}]: dataset {dataset.id!r} of task {dataset.task!r} is used by "
                "no model; add a model of that task (or list it in a model's datasets), "
                "or remove it"
            )


def load_study(config: Mapping[str, Any], runnable_tasks: frozenset[str]) -> Study:
    """Build the study from a schema-validated config; raise StudyConfigError naming the key."""
    tasks = dict(config["tasks"])
    datasets = [DatasetSpec(**entry) for entry in config["datasets"]]
    models = [ModelSpec(**entry) for entry in config["models"]]
    protocol = Protocol(**config["protocol"])
    prompts = dict(config.get("zero_shot_prompts", {}))
    _check(tasks, datasets, models, protocol, runnable_tasks)
    _check_prompts(models, datasets, prompts)
    for index, entry in enumerate(config.get("scenarios", [])):
        check_whole_number(f"scenarios[{index}].batch_size", entry.get("batch_size"))
    try:
        scenarios = load_scenarios(config.get("scenarios", []), protocol, models)
    except ScenarioError as error:
        raise StudyConfigError(str(error)) from None
    # The default scenario's cells first, in the order of the models and datasets.
    cells = [
        Cell(task=task, model=model, dataset=dataset, scenario=scenario)
        for scenario in scenarios
        for model in models
        if scenario.measures(model)
        for task in model.evaluated_tasks
        for dataset in datasets
        if dataset.task == task and (model.datasets is None or dataset.id in model.datasets)
    ]
    _check_every_dataset_is_used(datasets, cells)
    _check_batches_fit(datasets, cells)
    return Study(
        name=config["study"],
        cache_dir=config["cache_dir"],
        tasks=tasks,
        datasets=datasets,
        models=models,
        protocol=protocol,
        zero_shot_prompts=prompts,
        cells=cells,
        scenarios=scenarios,
    )


def prompt_template(model: ModelSpec, task: str, zero_shot_prompts: dict[str, str]) -> str:
    template = model.prompts.get(task, zero_shot_prompts.get(task))
    if template is None:
        raise StudyConfigError(
            f"multi-purpose model {model.id!r} has no prompt for task {task!r} "
            "(add one under zero_shot_prompts or the model's prompts)"
        )
    return template


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


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
    _check_protocol(protocol)
    summarization = tasks.get("summarization") or {}
    if summarization.get("min_length", 0) > summarization.get("max_length", math.inf):
        raise StudyConfigError(
            f"tasks.summarization: min_length {summarization['min_length']} is over max_length "
            f"{summarization['max_length']}: a summary cannot be both; lower min_length"
        )
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
        _check_dataset_source(where, dataset)
        try:
            columns = local_columns(dataset.path) if dataset.path is not None else None
        except LoadingScriptFolderError as error:
            raise StudyConfigError(f"{where}.path: dataset {dataset.id!r}: {error}") from None
        absent = {role: c for role, c in dataset.fields.items() if columns and c not in columns}
        if absent:
            raise StudyConfigError(
                f"{where}.fields: dataset {dataset.id!r}: "
                + ", ".join(f"{role}={column!r}" for role, column in absent.items())
                + f" not a column of {dataset.path} (columns: {', '.join(sorted(columns or []))})"
            )
        if dataset.image_urls and "image" not in dataset.fields:
            raise StudyConfigError(
                f"{where}.image_urls: dataset {dataset.id!r} has no image field whose URLs to "
                f"fetch (task {dataset.task!r}); remove image_urls"
            )
        missing_roles = TASKS[dataset.task].inputs - set(dataset.fields)
        if missing_roles:
            raise StudyConfigError(
                f"{where}.fields: dataset {dataset.id!r} of task {dataset.task!r} must name a "
                f"column for {', '.join(sorted(missing_roles))}"
            )
    seen_models: set[str] = set()
    for i, model in enumerate(models):
        where = f"models[{i}]"
        key = "tasks" if model.kind == "multi_purpose" else "task"
        if model.slug in seen_models:
            raise StudyConfigError(f"{where}.id: duplicate model id {model.id!r}")
        seen_models.add(model.slug)
        if model.hub is not None and model.source != "hub":
            raise StudyConfigError(
                f"{where}.hub: model {model.id!r} is a {model.source} model; hub names the "
                "repository of a hub model, remove it"
            )
        task_datasets: set[str] = set()
        for task in model.evaluated_tasks:
            if task not in tasks:
                raise StudyConfigError(
                    f"{where}.{key}: model {model.id!r} has task {task!r}, "
                    "which is not listed under tasks"
                )
            datasets_of_task = {d.id for d in datasets if d.task == task}
            if not datasets_of_task:
                raise StudyConfigError(
                    f"{where}.{key}: model {model.id!r} has task {task!r}, which has no datasets"
                )
            task_datasets |= datasets_of_task
        for name in model.datasets or []:
            if name not in task_datasets:
                raise StudyConfigError(
                    f"{where}.datasets: model {model.id!r} lists {name!r}, "
                    f"which is not a dataset of its task(s) {', '.join(model.evaluated_tasks)}"
                )
        if isinstance(model.max_new_tokens, dict):
            for name in model.max_new_tokens:
                if name not in task_datasets:
                    raise StudyConfigError(
                        f"{where}.max_new_tokens: model {model.id!r} names {name!r}, which is "
                        f"not a dataset of its task(s) {', '.join(model.evaluated_tasks)} "
                        f"(datasets: {', '.join(sorted(task_datasets))})"
                    )


def _check_dataset_source(where: str, dataset: DatasetSpec) -> None:
    """A hub source names today's repository and reads what it means to; a local one has no
    hub-only keys."""
    if dataset.hub is None:
        for key in ("revision", "data_dir"):
            if getattr(dataset, key) is not None:
                raise StudyConfigError(
                    f"{where}.{key}: dataset {dataset.id!r} is read from a local path "
                    f"({dataset.path}); {key} applies to hub datasets only, remove it"
                )
        return
    if not is_namespaced(dataset.hub):
        raise StudyConfigError(
            f"{where}.hub: dataset {dataset.id!r}: {dataset.hub!r} has no namespace, which the "
            f"Hub libraries refuse; {namespaced_id_hint(dataset.hub)}"
        )
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(dataset.hub)
    except HFValidationError as error:
        raise StudyConfigError(
            f"{where}.hub: dataset {dataset.id!r}: {dataset.hub!r} is not a Hub repo id "
            f"({error}); write namespace/name alone, without a URL, a 'datasets/' prefix or an "
            "'@revision' (that goes in revision:)"
        ) from None
    if dataset.revision == PARQUET_EXPORT and dataset.config not in (None, "default"):
        raise StudyConfigError(
            f"{where}.config: dataset {dataset.id!r}: the parquet export ({PARQUET_EXPORT}) is "
            f"read as one config, 'default', with each original config in a folder of its name; "
            f"use data_dir: {dataset.config} instead of config: {dataset.config}"
        )


def _check_prompts(
    models: list[ModelSpec], datasets: list[DatasetSpec], zero_shot_prompts: dict[str, str]
) -> None:
    """Every multi-purpose model has a prompt per task, and every placeholder is a field role of
    every dataset it will be filled from."""
    for i, model in enumerate(models):
        if model.kind != "multi_purpose":
            continue
        for task in model.evaluated_tasks:
            source = (
                f"models[{i}].prompts.{task}"
                if task in model.prompts
                else (f"zero_shot_prompts.{task}")
            )
            try:
                template = prompt_template(model, task, zero_shot_prompts)
            except StudyConfigError as error:
                raise StudyConfigError(f"models[{i}].tasks: {error}") from None
            for dataset in datasets:
                if dataset.task != task:
                    continue
                unknown = placeholders(template) - set(dataset.fields)
                if unknown:
                    raise StudyConfigError(
                        f"{source}: placeholder(s) {', '.join(sorted(unknown))} of the prompt of "
                        f"model {model.id!r} are not fields of dataset {dataset.id!r} "
                        f"(its fields: {', '.join(sorted(dataset.fields))})"
                    )


def check_whole_number(where: str, value: object) -> None:
    """JSON Schema's `integer` lets 2.0 through (a number with no fractional part), which
    Python cannot count with: StudyConfigError naming the key and what to write instead."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        whole = f"; write {int(value)}" if isinstance(value, float) and value.is_integer() else ""
        raise StudyConfigError(f"{where}: {value!r} is not a whole number{whole}")


def _check_protocol(protocol: Protocol) -> None:
    for name in ("batch_size", "repetitions", "warmup_inferences", "max_repetitions"):
        check_whole_number(f"protocol.{name}", getattr(protocol, name))
    # JSON Schema's bounds let NaN and infinity through (every comparison with NaN is false).
    for name in ("measure_power_secs", "idle_seconds", "target_relative_halfwidth"):
        value = getattr(protocol, name)
        if value is not None and not math.isfinite(value):
            raise StudyConfigError(f"protocol.{name}: {value!r} is not a finite number")
    if (protocol.max_repetitions is None) != (protocol.target_relative_halfwidth is None):
        raise StudyConfigError(
            "protocol.max_repetitions and protocol.target_relative_halfwidth: adaptive "
            "repetitions need both (or neither, for a fixed number of repetitions)"
        )
    if protocol.adaptive and not 2 <= protocol.repetitions <= (protocol.max_repetitions or 0):
        raise StudyConfigError(
            f"protocol.repetitions: adaptive repetitions need 2 <= repetitions "
            f"({protocol.repetitions}) <= max_repetitions ({protocol.max_repetitions})"
        )
    if protocol.device == "cpu" and protocol.dtype == "float16":
        raise StudyConfigError(
            "protocol.dtype: float16 is not supported on the CPU (protocol.device: cpu); "
            "use float32 or bfloat16"
        )


def _check_carbon_intensity(carbon_intensity: str | float) -> None:
    """CodeCarbon falls back to a world average for a country it does not know: refuse instead."""
    from powerhungry.measure.meter import check_carbon_intensity

    try:
        check_carbon_intensity(carbon_intensity)
    except ValueError as error:
        raise StudyConfigError(f"protocol.{error}") from None
