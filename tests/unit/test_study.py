import copy
import re

import pytest
import yaml
from helpers import REPO, validated
from snakemake.exceptions import WorkflowError

from powerhungry.study import (
    ModelSpec,
    StudyConfigError,
    as_params,
    load_study,
    slug,
    study_from_config,
)
from powerhungry.tasks import RUNNABLE_TASKS

DEMO_REVIEWS = REPO / "resources" / "demo" / "movie_reviews.jsonl"
SCHEMA = REPO / "config" / "schema.yaml"
MULTI_PURPOSE = {
    "id": "test/zero-shot",
    "kind": "multi_purpose",
    "tasks": ["text_classification"],
    "source": "tiny",
    "tiny": {"architecture": "bart_seq2seq"},
    "prompts": {},
}


@pytest.fixture
def small_config():
    """Two sentiment datasets, two models: indices in error messages are predictable."""
    tiny = {"architecture": "bert_sequence_classification"}
    return validated(
        {
            "study": "small",
            "tasks": {"text_classification": {}},
            "datasets": [
                {
                    "id": "reviews",
                    "task": "text_classification",
                    "path": "r.jsonl",
                    "fields": {"text": "review", "label": "label"},
                    "samples": 4,
                },
                {"id": "tweets", "task": "text_classification", "path": "t.jsonl", "samples": 4},
            ],
            "models": [
                {"id": "lab/a", "task": "text_classification", "source": "tiny", "tiny": tiny},
                {"id": "lab/b", "task": "text_classification", "source": "tiny", "tiny": tiny},
            ],
            "protocol": {"batch_size": 2},
        }
    )


def test_schema_fills_defaults(small_config):
    assert small_config["protocol"]["dtype"] == "float32"
    assert small_config["protocol"]["repetitions"] == 10
    assert small_config["datasets"][1]["fields"] == {"text": "text"}
    assert small_config["datasets"][0]["shuffle_seed"] is None
    assert small_config["models"][0]["kind"] == "task_specific"
    assert small_config["models"][0]["tiny"]["seed"] == 0
    assert small_config["zero_shot_prompts"] == {}


def test_demo_plan_covers_ten_tasks_and_both_multi_purpose_families(demo_config):
    study = load_study(demo_config, RUNNABLE_TASKS)
    cells = {(c.task, c.model.id, c.dataset.id) for c in study.cells}
    assert len(cells) == 19
    assert {task for task, _, _ in cells} == set(RUNNABLE_TASKS)
    assert ("text_generation", "demo/tiny-gpt2", "news_paragraphs") in cells
    zero_shot = {(t, d) for t, m, d in cells if m == "demo/tiny-gpt2-instruct"}
    assert zero_shot == {
        ("text_classification", "movie_reviews"),
        ("extractive_qa", "qa_pairs"),
        ("summarization", "news_articles"),
    }


def test_multi_purpose_settings_carry_prompt_and_per_dataset_length(demo_config):
    study = load_study(demo_config, RUNNABLE_TASKS)
    model = study.model("demo--tiny-gpt2-instruct")
    settings = study.runner_settings(
        "extractive_qa", model, study.dataset("extractive_qa", "qa_pairs")
    )
    assert settings["max_new_tokens"] == 65
    assert settings["prompt"].startswith("{question}? Find the answer")
    flan_like = study.model("demo--tiny-bart-instruct")
    reviews = study.dataset("text_classification", "movie_reviews")
    assert (
        study.runner_settings("text_classification", flan_like, reviews)["max_new_tokens"] is None
    )
    # The task's settings are a task-specific model's: changing them never reruns this one.
    news = study.dataset("summarization", "news_articles")
    assert "max_length" not in study.runner_settings("summarization", model, news)


def test_model_may_be_restricted_to_some_datasets(small_config):
    small_config["models"][0]["datasets"] = ["tweets"]
    study = load_study(small_config, RUNNABLE_TASKS)
    assert [c.dataset.id for c in study.cells if c.model.id == "lab/a"] == ["tweets"]


def test_a_moved_model_keeps_its_id_and_names_the_repo_fetched(small_config):
    small_config["models"][0].update(source="hub", tiny=None, hub="mirror/a")
    study = load_study(small_config, RUNNABLE_TASKS)
    moved, unmoved = study.model("lab--a"), study.model("lab--b")
    assert (moved.id, moved.repo, moved.slug) == ("lab/a", "mirror/a", "lab--a")
    assert unmoved.repo == "lab/b"


def test_hub_on_a_model_not_from_the_hub_is_refused(small_config):
    small_config["models"][1]["hub"] = "mirror/b"
    with pytest.raises(
        StudyConfigError,
        match=r"^models\[1\]\.hub: model 'lab/b' is a tiny model; hub names the repository of "
        r"a hub model, remove it$",
    ):
        load_study(small_config, RUNNABLE_TASKS)


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
        (lambda c: c["datasets"][0].update(revision=""), "revision"),
        (lambda c: c["tasks"].update(image_generation={"height": 500}), "multiple of 8"),
    ],
)
def test_schema_rejects_bad_values_naming_the_key(small_config, edit, named):
    raw = copy.deepcopy(small_config)
    edit(raw)
    with pytest.raises(WorkflowError, match=named):
        validated(raw)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["models"][0].update(task="summarization"), r"models\[0\].*not listed"),
        (lambda c: c["models"].append(dict(c["models"][0])), r"models\[2\].*duplicate model"),
        (lambda c: c["datasets"][0].update(samples=2), None),
        (lambda c: c["protocol"].update(batch_size=9), r"datasets\[0\].*samples"),
        (lambda c: c["protocol"].update(carbon_intensity="XYZ"), "carbon_intensity.*XYZ"),
        (
            lambda c: c["datasets"][0].update(fields={"label": "label"}),
            r"datasets\[0\].fields.*must name a column for text",
        ),
        (lambda c: c["models"].append(MULTI_PURPOSE), r"models\[2\].tasks.*no prompt for task"),
        (
            lambda c: c["datasets"][0].update(path=str(DEMO_REVIEWS), fields={"text": "body"}),
            r"datasets\[0\].fields: dataset 'reviews': text='body' not a column of .*review",
        ),
        (
            lambda c: (
                c["models"].append(MULTI_PURPOSE),
                c.update(zero_shot_prompts={"text_classification": "{question}: {text}"}),
            ),
            r"zero_shot_prompts.text_classification: placeholder\(s\) question",
        ),
        (
            lambda c: (
                c["models"].append({**MULTI_PURPOSE, "prompts": {"text_classification": "{txt}"}}),
            ),
            r"models\[2\].prompts.text_classification: placeholder\(s\) txt",
        ),
        (lambda c: c["models"][0].update(datasets=["imdb"]), r"models\[0\].datasets.*imdb"),
        (
            lambda c: (
                [
                    m.update(datasets=[d])
                    for m, d in zip(c["models"], ["reviews", "tweets"], strict=True)
                ],
                c["datasets"].append({**c["datasets"][1], "id": "unused"}),
            ),
            r"datasets\[2\]: dataset 'unused' of task 'text_classification' is used by no model",
        ),
        (
            lambda c: c["datasets"].append(dict(c["datasets"][0])),
            r"datasets\[2\].id: duplicate dataset id",
        ),
        (lambda c: c["protocol"].update(max_repetitions=20), "need both"),
        (
            lambda c: c["protocol"].update(max_repetitions=5, target_relative_halfwidth=0.02),
            r"repetitions need 2 <= repetitions \(10\) <= max_repetitions \(5\)",
        ),
        (
            lambda c: c["protocol"].update(
                repetitions=3, max_repetitions=30, target_relative_halfwidth=0.02
            ),
            None,
        ),
        (
            lambda c: c["protocol"].update(device="cpu", dtype="float16"),
            "float16 is not supported on the CPU",
        ),
        (lambda c: c["protocol"].update(idle_seconds=float("nan")), "idle_seconds: nan is not"),
        (
            lambda c: c["tasks"].update(summarization={"min_length": 20, "max_length": 15}),
            "tasks.summarization: min_length 20 is over max_length 15",
        ),
        (
            lambda c: (
                c["models"].append(
                    {
                        **MULTI_PURPOSE,
                        "prompts": {"text_classification": "{text}"},
                        "max_new_tokens": {"reviews": 1, "reveiws": 2},
                    }
                ),
            ),
            r"models\[2\].max_new_tokens: .* names 'reveiws', .*datasets: reviews, tweets",
        ),
    ],
)
def test_semantic_errors_name_the_key(small_config, edit, message):
    edit(small_config)
    if message is None:  # control: a valid edit loads
        load_study(small_config, RUNNABLE_TASKS)
        return
    with pytest.raises(StudyConfigError, match=message):
        load_study(small_config, RUNNABLE_TASKS)


def hub_source(hub, **keys):
    """An edit making the first dataset a hub dataset."""
    return lambda c: c["datasets"][0].update(path=None, hub=hub, **keys)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            hub_source("imdb"),
            r"^datasets\[0\].hub: dataset 'reviews': 'imdb' has no namespace, "
            r"which the Hub libraries refuse; "
            r"it lives at 'stanfordnlp/imdb' today: use hub: stanfordnlp/imdb$",
        ),
        (
            hub_source("my_reviews"),
            r"^datasets\[0\].hub: dataset 'reviews': 'my_reviews' has no namespace, "
            r"which the Hub libraries refuse; "
            r"use hub: namespace/name as shown on the dataset's Hub page$",
        ),
        (hub_source("stanfordnlp/imdb"), None),
        *(
            (
                hub_source(odd),
                rf"^datasets\[0\].hub: dataset 'reviews': '{re.escape(odd)}' is not a Hub repo id "
                r"\(.*\); write namespace/name alone, without a URL, a 'datasets/' prefix or an "
                r"'@revision' \(that goes in revision:\)$",
            )
            for odd in (
                "https://huggingface.co/datasets/stanfordnlp/imdb",
                "datasets/stanfordnlp/imdb",
                "stanfordnlp/imdb@main",
                "stanford nlp/imdb",
                "a//b",
            )
        ),
        (
            hub_source("lab/reviews", revision="refs/convert/parquet", config="plain_text"),
            r"^datasets\[0\].config: dataset 'reviews': the parquet export .* read as one config, "
            r"'default', .* use data_dir: plain_text instead of config: plain_text$",
        ),
        (hub_source("lab/reviews", revision="refs/convert/parquet", data_dir="plain_text"), None),
        (hub_source("lab/reviews", revision="refs/convert/parquet", config="default"), None),
        (hub_source("lab/reviews", revision="0123abcd", config="plain_text"), None),
        (
            lambda c: c["datasets"][0].update(revision="main"),
            r"^datasets\[0\].revision: dataset 'reviews' is read from a local path \(r.jsonl\); "
            r"revision applies to hub datasets only, remove it$",
        ),
        (
            lambda c: c["datasets"][0].update(data_dir="en"),
            r"^datasets\[0\].data_dir: dataset 'reviews' is read from a local path",
        ),
    ],
)
def test_hub_sources_name_a_repository_and_a_revision_that_load(small_config, edit, message):
    edit(small_config)
    if message is None:  # control: a valid edit loads
        load_study(small_config, RUNNABLE_TASKS)
        return
    with pytest.raises(StudyConfigError, match=message) as raised:
        load_study(small_config, RUNNABLE_TASKS)
    assert "\n" not in str(raised.value)


def test_every_known_rename_is_a_namespaced_repository():
    from powerhungry.data.hub import RENAMED_DATASETS, is_namespaced, namespaced_id_hint

    assert len(RENAMED_DATASETS) == 22
    for bare, repository in RENAMED_DATASETS.items():
        assert not is_namespaced(bare) and is_namespaced(repository), bare
        assert namespaced_id_hint(bare).endswith(f"use hub: {repository}")


def test_defaults_never_add_a_task_the_config_does_not_list(small_config):
    assert list(small_config["tasks"]) == ["text_classification"]


def test_model_params_leave_out_per_cell_settings(small_config):
    from powerhungry.study import as_params

    small_config["models"][0]["datasets"] = ["tweets"]
    model = load_study(small_config, RUNNABLE_TASKS).models[0]
    params = as_params(model)
    assert "datasets" not in params and "prompts" not in params
    assert params["id"] == "lab/a" and params["weights"] == "pretrained"


def test_a_moved_or_remote_code_model_carries_its_repo_and_switch_to_prepare(small_config):
    # prepare_model rebuilds the spec from these params: without `hub` it would fetch the
    # paper's (moved) id, without the switch it would leave the model's code behind.
    from powerhungry.study import as_params

    plain = as_params(load_study(small_config, RUNNABLE_TASKS).models[0])
    assert "hub" not in plain and "trust_remote_code" not in plain  # earlier params unchanged
    small_config["models"][0].update(source="hub", hub="lab/a-moved", trust_remote_code=True)
    moved = as_params(load_study(small_config, RUNNABLE_TASKS).models[0])
    assert moved["hub"] == "lab/a-moved" and moved["trust_remote_code"] is True
    assert ModelSpec(**moved).repo == "lab/a-moved"


def test_image_urls_need_an_image_field_and_leave_other_datasets_params_alone(small_config):
    from powerhungry.study import as_params

    assert "image_urls" not in as_params(load_study(small_config, RUNNABLE_TASKS).datasets[0])
    small_config["datasets"][0]["image_urls"] = True
    with pytest.raises(StudyConfigError, match=r"datasets\[0\].image_urls: .* no image field"):
        load_study(small_config, RUNNABLE_TASKS)


def test_params_do_not_depend_on_yaml_key_order(small_config):
    from powerhungry.study import as_params

    reordered = copy.deepcopy(small_config)
    reordered["datasets"][0]["fields"] = {"label": "label", "text": "review"}
    first, second = (load_study(c, RUNNABLE_TASKS) for c in (small_config, reordered))
    assert repr(as_params(first.datasets[0])) == repr(as_params(second.datasets[0]))


def test_a_models_own_code_is_allowed_only_where_listed(small_config):
    small_config["models"][1]["trust_remote_code"] = True
    study = load_study(small_config, RUNNABLE_TASKS)
    dataset = study.datasets[0]
    trusted, plain = (
        study.runner_settings("text_classification", m, dataset) for m in study.models[::-1]
    )
    assert trusted["trust_remote_code"] is True
    assert "trust_remote_code" not in plain  # unchanged settings: nothing reruns


def test_a_substitute_names_why_and_marks_only_its_own_cells():
    """`substitute` (why the paper's dataset cannot be had) marks its entry's cells with the
    source read; a blank one is refused with what the key is for; entries without it keep the
    params they had, so nothing measured before reruns."""
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    before = study_from_config(copy.deepcopy(config), SCHEMA, RUNNABLE_TASKS)
    config["datasets"][0]["substitute"] = "the paper's cannot be had"
    study = study_from_config(copy.deepcopy(config), SCHEMA, RUNNABLE_TASKS)
    first, *others = study.datasets
    assert first.read_instead == first.source and all(d.read_instead == "" for d in others)
    assert [as_params(d) for d in others] == [as_params(d) for d in before.datasets[1:]]
    assert as_params(first) != as_params(before.datasets[0])
    config["datasets"][0]["substitute"] = "  "
    with pytest.raises(StudyConfigError, match=r"datasets\[0\]\.substitute: .*remove the key"):
        study_from_config(config, SCHEMA, RUNNABLE_TASKS)
