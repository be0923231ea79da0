import copy

import pytest
from conftest import validated
from snakemake.exceptions import WorkflowError

from powerhungry.study import StudyConfigError, load_study, slug
from powerhungry.tasks import RUNNABLE_TASKS


def test_schema_fills_defaults(demo_config):
    assert demo_config["protocol"]["dtype"] == "float32"
    assert demo_config["datasets"][2]["fields"] == {"text": "text"}
    assert demo_config["datasets"][0]["shuffle_seed"] is None
    assert demo_config["models"][0]["kind"] == "task_specific"
    assert demo_config["models"][0]["tiny"]["seed"] == 0


def test_demo_plan_is_every_model_on_every_dataset_of_its_task(demo_config):
    study = load_study(demo_config, RUNNABLE_TASKS)
    cells = {(c.task, c.model.id, c.dataset.id) for c in study.cells}
    assert len(cells) == 8
    assert ("text_generation", "demo/tiny-gpt2", "story_openings") in cells
    assert not any(t == "text_generation" and "bert" in m for t, m, _ in cells)


def test_model_may_be_restricted_to_some_datasets(demo_config):
    demo_config["models"][0]["datasets"] = ["short_reviews"]
    study = load_study(demo_config, RUNNABLE_TASKS)
    assert [c.dataset.id for c in study.cells if c.model.id == "demo/tiny-bert-sentiment"] == [
        "short_reviews"
    ]


def test_slug_follows_the_hub_cache_convention():
    assert slug("facebook/opt-1.3b") == "facebook--opt-1.3b"


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda c: c["protocol"].update(batch_sise=2), "batch_sise"),
        (lambda c: c["models"][0].update(kind="general"), "general"),
        (lambda c: c["datasets"][0].update(samples=0), "samples"),
        (lambda c: c["protocol"].update(carbon_intensity=-5), "carbon_intensity"),
        (lambda c: c.update(modles=[]), "modles"),
    ],
)
def test_schema_rejects_bad_values_naming_the_key(demo_config, edit, named):
    raw = copy.deepcopy(demo_config)
    edit(raw)
    with pytest.raises(WorkflowError, match=named):
        validated(raw)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["models"][0].update(task="summarization"), r"models\[0\].*not listed"),
        (lambda c: c["models"].append(dict(c["models"][0])), r"models\[4\].*duplicate model"),
        (lambda c: c["datasets"][0].update(samples=1), None),
        (lambda c: c["protocol"].update(batch_size=9), r"datasets\[0\].*samples"),
        (lambda c: c["protocol"].update(carbon_intensity="XYZ"), "carbon_intensity.*XYZ"),
        (lambda c: c["tasks"].update(summarization={}), "tasks.summarization.*no task runner"),
        (lambda c: c["models"][0].update(datasets=["imdb"]), r"models\[0\].datasets.*imdb"),
    ],
)
def test_semantic_errors_name_the_key(demo_config, edit, message):
    edit(demo_config)
    if message is None:  # control: a valid edit loads
        load_study(demo_config, RUNNABLE_TASKS)
        return
    with pytest.raises(StudyConfigError, match=message):
        load_study(demo_config, RUNNABLE_TASKS)


def test_defaults_never_add_a_task_the_config_does_not_list(demo_config):
    del demo_config["tasks"]["text_generation"]
    demo_config["datasets"] = demo_config["datasets"][:2]
    demo_config["models"] = demo_config["models"][:2]
    assert list(validated(demo_config)["tasks"]) == ["text_classification"]
