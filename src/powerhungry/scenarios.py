"""Deployment scenarios: the same cells measured again with some measurement settings changed
(batch size, dtype, attention implementation).

The protocol's own settings are scenario `default` (columns.DEFAULT_SCENARIO): every model runs
it, and its files keep the paths they had before scenarios existed, so adding scenarios to a
study reruns nothing already measured. Each declared scenario (the config's `scenarios`) is one
more measurement of each cell of the models it names, results/<folder>/<task>/<model>/
<dataset>@<scenario><suffix>.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from powerhungry.columns import DEFAULT_SCENARIO

if TYPE_CHECKING:
    from powerhungry.study import ModelSpec, Protocol

# The measurement settings a scenario may change (fields of powerhungry.study.Protocol): how
# the model is deployed. Everything else of the protocol (repetitions, sampling interval,
# carbon intensity, device) is how it is measured, the same for every scenario.
SCENARIO_SETTINGS = ("batch_size", "dtype", "attention")
# Which models a scenario measures: every model, those of one kind, or a list of model ids.
MODEL_SELECTIONS = ("all", "task_specific", "multi_purpose")
# Between a cell's file name and its scenario's name, in the paths of a declared scenario.
SCENARIO_SEPARATOR = "@"


class ScenarioError(ValueError):
    """A `scenarios` entry that names no runnable measurement: the message names the entry and
    the key at fault, and what to write instead."""


@dataclass(frozen=True)
class Scenario:
    """A named set of measurement settings: `protocol` is the study's with this scenario's
    settings in place; `models` says which models it measures (a MODEL_SELECTIONS value or a
    list of model ids)."""

    name: str
    protocol: Protocol
    models: str | tuple[str, ...] = "all"
    description: str = ""

    @property
    def is_default(self) -> bool:
        return self.name == DEFAULT_SCENARIO

    @property
    def suffix(self) -> str:
        """`scenario_suffix` of this scenario."""
        return scenario_suffix(self.name)

    def measures(self, model: ModelSpec) -> bool:
        """Whether this scenario measures `model`."""
        if isinstance(self.models, tuple):
            return model.id in self.models
        return self.models in ("all", model.kind)

    def settings(self) -> dict[str, Any]:
        """The values of SCENARIO_SETTINGS this scenario measures with."""
        return {name: getattr(self.protocol, name) for name in SCENARIO_SETTINGS}


def scenario_suffix(name: str) -> str:
    """What scenario `name` adds to a cell's file name: nothing for the default scenario (its
    files are where they were before scenarios existed), "@<name>" for the others."""
    return "" if name == DEFAULT_SCENARIO else SCENARIO_SEPARATOR + name


def scenario_name(suffix: str) -> str:
    """The scenario of a file name's suffix (the workflow's `scenario` wildcard): "" is the
    default scenario, "@<name>" scenario <name>."""
    return suffix.removeprefix(SCENARIO_SEPARATOR) or DEFAULT_SCENARIO


def load_scenarios(
    entries: Sequence[Mapping[str, Any]], protocol: Protocol, models: Sequence[ModelSpec]
) -> list[Scenario]:
    """The default scenario (the protocol's settings, every model) then the config's
    `scenarios` entries (schema-validated: only SCENARIO_SETTINGS, `models` and `description`
    besides the name) in their order. Raises ScenarioError for a name used twice (`default`
    included), a scenario that changes nothing or measures what another does, a dtype the
    configured device cannot run (float16 with protocol.device cpu), or a model id no model
    has."""
    scenarios = [Scenario(DEFAULT_SCENARIO, protocol, description="the protocol's settings")]
    model_ids = {model.id for model in models}
    for index, entry in enumerate(entries):
        where = f"scenarios[{index}]"
        name = entry["name"]
        for used in scenarios:
            if used.name == name:
                what = "the protocol's own settings" if used.is_default else "another scenario"
                raise ScenarioError(
                    f"{where}.name: {name!r} is already the name of {what}; give each scenario "
                    "its own name"
                )
        settings = {key: entry[key] for key in SCENARIO_SETTINGS if key in entry}

        if not settings:
            raise ScenarioError(
                f"{where}: scenario {name!r} changes no setting; give it one of "
                f"{', '.join(SCENARIO_SETTINGS)}"
            )
        selection = entry.get("models", "all")
        if not isinstance(selection, str):
            strangers = [model for model in selection if model not in model_ids]
            if strangers:
                raise ScenarioError(
                    f"{where}.models: {', '.join(map(repr, strangers))} is no model of the "
                    f"study; name models by their id, or use one of {', '.join(MODEL_SELECTIONS)}"
                )
            selection = tuple(selection)
        scenario = Scenario(
            name,
            replace(protocol, **settings),
            selection,
            entry.get("description", ""),
        )
        _check_device(where, scenario)
        for other in scenarios:
            if other.settings() == scenario.settings() and _overlap(other, scenario, models):
                raise ScenarioError(
                    f"{where}: scenario {name!r} measures the same settings as "
                    f"{other.name!r} ({_described(scenario)}) on the same models: remove it"
                )
        scenarios.append(scenario)
    return scenarios


def _check_device(where: str, scenario: Scenario) -> None:
    if scenario.protocol.device == "cpu" and scenario.protocol.dtype == "float16":
        raise ScenarioError(
            f"{where}.dtype: float16 is not supported on the CPU (protocol.device: cpu); use "
            "float32 or bfloat16, or measure on a GPU (protocol.device: auto or cuda)"
        )


def _overlap(a: Scenario, b: Scenario, models: Sequence[ModelSpec]) -> bool:
    return any(a.measures(model) and b.measures(model) for model in models)


def _described(scenario: Scenario) -> str:
    return ", ".join(f"{key} {value}" for key, value in scenario.settings().items())
