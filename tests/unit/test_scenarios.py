"""Deployment scenarios in the config (issue 16): each one more measurement of its models'
cells under its own paths and params, the protocol's own settings (scenario `default`) keeping
the paths and params results had before scenarios existed; bad scenarios stop at config time,
naming the entry and the key."""

from __future__ import annotations

import copy

import pytest
import yaml
from helpers import REPO, validated
from snakemake.exceptions import WorkflowError

from powerhungry.scenarios import scenario_name
from powerhungry.study import (
    StudyConfigError,
    as_params,
    load_study,
    read_config_files,
    study_from_config,
)
from powerhungry.tasks import RUNNABLE_TASKS

SCHEMA = REPO / "config" / "schema.yaml"
TINY = {"architecture": "bert_sequence_classification"}


@pytest.fixture
def config():
    """One sentiment dataset of 8 samples, a task-specific and a multi-purpose model."""
    return {
        "study": "scenarios",
        "tasks": {"text_classification": {}},
        "zero_shot_prompts": {"text_classification": "{text}"},
        "datasets": [
            {"id": "reviews", "task": "text_classification", "path": "r.jsonl", "samples": 8}
        ],
        "models": [
            {"id": "lab/a", "task": "text_classification", "source": "tiny", "tiny": TINY},
            {
                "id": "lab/zero",
                "kind": "multi_purpose",
                "tasks": ["text_classification"],
                "source": "tiny",
                "tiny": {"architecture": "bart_seq2seq"},
            },
        ],
        "scenarios": [
            {"name": "bs4", "batch_size": 4},
            {"name": "bs4-bf16", "batch_size": 4, "dtype": "bfloat16", "models": "task_specific"},
        ],
    }


def study_of(config):
    return study_from_config(copy.deepcopy(config), SCHEMA, RUNNABLE_TASKS)


def test_each_scenario_measures_its_models_cells_under_its_own_paths(config):
    study = study_of(config)
    assert [s.name for s in study.scenarios] == ["default", "bs4", "bs4-bf16"]
    cells = {(c.scenario.name, c.model.id): c for c in study.cells}
    # default and bs4: both models; bs4-bf16: the task-specific one only.
    assert sorted(cells) == [
        ("bs4", "lab/a"),
        ("bs4", "lab/zero"),
        ("bs4-bf16", "lab/a"),
        ("default", "lab/a"),
        ("default", "lab/zero"),
    ]
    # The default scenario's files are where they were before scenarios existed.
    default = cells["default", "lab/a"]
    assert default.result_path("measurements", ".csv") == (
        "results/measurements/text_classification/lab--a/reviews.csv"
    )
    bf16 = cells["bs4-bf16", "lab/a"]
    assert bf16.result_path("predictions", ".parquet") == (
        "results/predictions/text_classification/lab--a/reviews@bs4-bf16.parquet"
    )
    assert (bf16.protocol.batch_size, bf16.protocol.dtype) == (4, "bfloat16")
    # The protocol's other settings are every scenario's.
    assert bf16.protocol.repetitions == default.protocol.repetitions == 10
    # The workflow's wildcards find each cell.
    assert study.cell("text_classification", "lab--a", "reviews", "@bs4-bf16") is bf16
    assert study.cell("text_classification", "lab--a", "reviews", "") is default
    assert scenario_name("") == "default" and scenario_name("@bs4") == "bs4"


def test_the_default_scenarios_params_are_the_protocols_as_before(config):
    """Snakemake reruns a job whose params changed: the default scenario's must be exactly
    what the protocol's were before scenarios (and the attention setting) existed."""
    study = study_of(config)
    default = study.scenarios[0]
    params = as_params(default.protocol)
    assert params == as_params(study.protocol)
    assert "attention" not in params and "scenario" not in params
    assert set(params) == {
        "batch_size",
        "carbon_intensity",
        "device",
        "dtype",
        "max_repetitions",
        "measure_power_secs",
        "repetitions",
        "target_relative_halfwidth",
        "warmup_inferences",
    }
    attention = copy.deepcopy(config)
    attention["scenarios"].append({"name": "eager", "attention": "eager"})
    eager = study_of(attention).scenarios[-1]
    assert as_params(eager.protocol) == {**params, "attention": "eager"}


def test_a_scenario_may_name_its_models(config):
    config["scenarios"] = [{"name": "bs2", "batch_size": 2, "models": ["lab/zero"]}]
    study = study_of(config)
    assert [(c.scenario.name, c.model.id) for c in study.cells if c.scenario.name == "bs2"] == [
        ("bs2", "lab/zero")
    ]


@pytest.mark.parametrize(
    ("scenario", "named"),
    [
        ({"name": "bs0", "batch_size": 0}, r"scenarios\[0\].batch_size: 0 is less than"),
        ({"name": "x", "dtype": "int8"}, r"scenarios\[0\].dtype: 'int8' is not one of"),
        ({"name": "x", "attention": "fast"}, r"scenarios\[0\].attention: 'fast' is not one"),
        # A protocol setting that is not a deployment one: named, with what a scenario takes.
        (
            {"name": "x", "repetitions": 3},
            r"scenarios\[0\]: .*'repetitions' was unexpected.*takes name, description, models, "
            r"batch_size, dtype, attention",
        ),
        ({"name": "Batch 8", "batch_size": 8}, r"scenarios\[0\].name: .*lower-case"),
        ({"name": "x", "batch_size": 2, "models": "some"}, r"scenarios\[0\].models"),
        ({"name": "x" * 65, "batch_size": 2}, r"scenarios\[0\].name: .* is too long"),
        # JSON Schema's integer lets 2.0 through; a batch cannot be counted with it.
        (
            {"name": "x", "batch_size": 2.0},
            r"scenarios\[0\].batch_size: 2.0 is not a whole number; write 2",
        ),
    ],
)
def test_the_schema_refuses_a_bad_scenario_naming_the_key(config, scenario, named):
    config["scenarios"] = [scenario]
    with pytest.raises(StudyConfigError, match=named):
        study_of(config)


@pytest.mark.parametrize(
    ("scenarios", "protocol", "named"),
    [
        (
            [{"name": "a", "batch_size": 2}, {"name": "a", "batch_size": 4}],
            {},
            r"scenarios\[1\].name: 'a' is already the name of another scenario",
        ),
        (
            [{"name": "default", "batch_size": 2}],
            {},
            r"scenarios\[0\].name: 'default' is already the name of the protocol's own settings",
        ),
        ([{"name": "a"}], {}, r"scenarios\[0\]: scenario 'a' changes no setting"),
        (
            [{"name": "a", "batch_size": 1, "dtype": "float32"}],
            {},
            r"scenarios\[0\]: scenario 'a' measures the same settings as 'default'",
        ),
        (
            [{"name": "a", "dtype": "float16"}],
            {"device": "cpu"},
            r"scenarios\[0\].dtype: float16 is not supported on the CPU",
        ),
        (
            [{"name": "a", "batch_size": 2, "models": ["lab/b"]}],
            {},
            r"scenarios\[0\].models: 'lab/b' is no model of the study",
        ),
        ([], {"batch_size": 2.0}, r"protocol.batch_size: 2.0 is not a whole number; write 2"),
        (
            [{"name": "big", "batch_size": 16}],
            {},
            r"datasets\[0\].samples: dataset 'reviews' has 8 samples, fewer than the batch_size "
            r"16 of scenario 'big'",
        ),
    ],
)
def test_a_scenario_that_cannot_be_measured_stops_at_config_time(
    config, scenarios, protocol, named
):
    config["scenarios"] = scenarios
    config["protocol"] = protocol
    with pytest.raises(StudyConfigError, match=named):
        study_of(config)


def test_the_same_settings_on_other_models_are_not_a_duplicate(config):
    config["scenarios"] = [
        {"name": "a", "batch_size": 2, "models": "task_specific"},
        {"name": "b", "batch_size": 2, "models": "multi_purpose"},
    ]
    assert len(study_of(config).cells) == 4


def test_the_workflow_refuses_a_bad_scenario_before_any_job(config):
    """Snakemake's own validation (rules/common.smk) sees the same schema."""
    config["scenarios"] = [{"name": "x", "batch_size": 0}]
    with pytest.raises(WorkflowError, match="batch_size"):
        validated(config)


def test_the_papers_study_plans_312_cells_and_the_deployment_overlay_1512():
    paper = read_config_files([REPO / "config" / "config.yaml"])
    study = load_study(validated(paper), RUNNABLE_TASKS)
    assert len(study.cells) == 312 and [s.name for s in study.scenarios] == ["default"]
    overlay = read_config_files(
        [REPO / "config" / "config.yaml", REPO / "config" / "deployment.yaml"]
    )
    deployment = load_study(validated(overlay), RUNNABLE_TASKS)
    # The paper's 312 cells, then its 80 task-specific models x 3 datasets in 5 more scenarios:
    # batch sizes 1, 8, 32 x float32, bfloat16, batch 1 in float32 being the default.
    assert len(deployment.cells) == 312 + 5 * 240 == 1512
    settings = {(s.protocol.batch_size, s.protocol.dtype) for s in deployment.scenarios}
    assert settings == {(b, d) for b in (1, 8, 32) for d in ("float32", "bfloat16")}
    for scenario in deployment.scenarios[1:]:
        cells = [c for c in deployment.cells if c.scenario is scenario]
        assert len(cells) == 240 and {c.model.kind for c in cells} == {"task_specific"}
    # The default scenario's cells are the paper study's, at the same paths and params.
    default = [c for c in deployment.cells if c.scenario.is_default]
    assert [c.result_path("measurements", ".csv") for c in default] == [
        c.result_path("measurements", ".csv") for c in study.cells
    ]
    assert as_params(default[0].protocol) == as_params(study.protocol)
    assert yaml.safe_load((REPO / "config" / "deployment.yaml").read_text()).keys() == {"scenarios"}
