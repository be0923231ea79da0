"""The task registry is the one home of the task names: the schema, runners and scorers agree."""

from __future__ import annotations

import yaml
from helpers import REPO

from powerhungry.tasks import TASKS, load, ordered_tasks, task_label
from powerhungry.tasks.base import TaskRunner

SCHEMA = yaml.safe_load((REPO / "config" / "schema.yaml").read_text())


def test_the_schema_names_exactly_the_registry_tasks_in_its_order():
    assert SCHEMA["$defs"]["task_name"]["enum"] == list(TASKS)
    assert list(SCHEMA["properties"]["tasks"]["properties"]) == list(TASKS)


def test_the_paper_ten_tasks():
    assert len(TASKS) == 10
    assert all(name == task.name for name, task in TASKS.items())


def test_every_runner_and_scorer_resolves():
    for task in TASKS.values():
        assert issubclass(load(task.runner, "powerhungry.tasks"), TaskRunner), task.name
        assert (task.reference is None) == (task.scorer is None), task.name
        if task.scorer is not None:
            assert callable(load(task.scorer, "powerhungry.quality")), task.name


def test_order_and_labels():
    assert ordered_tasks(["zeta", "image_generation", "text_classification"]) == [
        "text_classification",
        "image_generation",
        "zeta",
    ]
    assert task_label("extractive_qa") == "extractive QA"
    assert TASKS["image_generation"].label == "image generation"
