"""Every task runner, and the zero-shot runner, on tiny random-weight models built locally: real
forward passes and generate calls through transformers and diffusers."""

import json
import shutil

import pytest
import torch
from helpers import DEGENERATE_TEXTS, loaded

from powerhungry.data.preprocess import as_png
from powerhungry.tasks import make_runner

CPU, FP32 = torch.device("cpu"), torch.float32
TEXTS = [{"text": "this movie was great"}, {"text": "the plot made no sense and was awful"}]


def run(task, model_dir, samples, settings=None, kind="task_specific"):
    runner = loaded(task, model_dir, settings, kind)
    predictions = runner.infer(samples)
    assert len(predictions) == len(samples)
    return runner, predictions


def images():
    from PIL import Image

    return [
        {"image": as_png(Image.new("RGB", size, colour), None)}
        for size, colour in [((64, 48), (200, 40, 40)), ((40, 60), (40, 70, 200))]
    ]


def test_text_classification_predicts_a_label_per_sample(tiny_models):
    _, predictions = run("text_classification", tiny_models["bert_sequence_classification"], TEXTS)
    assert {p.prediction for p in predictions} <= {"NEGATIVE", "POSITIVE"}
    # Token counts are per sample, not the padded batch width.
    assert predictions[0].input_tokens < predictions[1].input_tokens
    assert not any(p.truncated for p in predictions)


def test_long_inputs_are_truncated_and_flagged(tiny_models):
    long_text = {"text": " ".join(["energy"] * 500)}
    runner, (prediction,) = run(
        "text_classification", tiny_models["bert_sequence_classification"], [long_text]
    )
    assert prediction.truncated
    assert prediction.input_tokens == runner.max_length == 128


def test_token_classification_tags_every_word(tiny_models):
    samples = [{"text": "John Smith lives in Paris"}, {"text": "Energy"}]
    _, predictions = run("token_classification", tiny_models["bert_token_classification"], samples)
    tags = [json.loads(p.prediction) for p in predictions]
    assert [len(t) for t in tags] == [5, 1]
    assert set(tags[0]) <= {"O", "B-PER", "I-PER", "B-LOC", "I-LOC"}
    assert [p.output_tokens for p in predictions] == [5, 1]


def test_extractive_qa_answers_with_a_span_of_the_context(tiny_models):
    context = "paris is the capital of france and berlin is the capital of germany ."
    samples = [{"question": "what is the capital of france", "context": context}] * 2
    _, predictions = run("extractive_qa", tiny_models["bert_question_answering"], samples)
    for prediction in predictions:
        assert prediction.prediction and prediction.prediction in context
        assert 1 <= prediction.output_tokens <= 30


def test_masked_language_modeling_fills_the_models_mask(tiny_models):
    samples = [{"text": "the quick brown fox jumps over the lazy"}, {"text": "paris is the"}]
    runner, predictions = run("masked_language_modeling", tiny_models["bert_masked_lm"], samples)
    assert all(p.output_tokens == 1 for p in predictions)
    for prediction in predictions:  # one vocabulary entry, never the mask itself
        assert prediction.prediction and prediction.prediction != runner.tokenizer.mask_token
        assert len(runner.tokenizer(prediction.prediction, add_special_tokens=False).input_ids) >= 1


def test_text_generation_continues_each_prompt_up_to_max_new_tokens(tiny_models):
    settings = {"max_new_tokens": 6}
    _, predictions = run("text_generation", tiny_models["gpt2_causal_lm"], TEXTS, settings)
    # Batches agree with one prompt at a time: test_batch_consistency.py.
    assert all(1 <= p.output_tokens <= 6 for p in predictions)


def test_summarization_respects_the_length_bounds(tiny_models):
    settings = {"min_length": 4, "max_length": 7}
    _, predictions = run("summarization", tiny_models["bart_seq2seq"], TEXTS, settings)
    # max_length counts the decoder start token, which is not an output token.
    assert all(3 <= p.output_tokens <= 6 for p in predictions)


@pytest.mark.parametrize("architecture", ["bart_seq2seq", "gpt2_causal_lm"])
def test_zero_shot_fills_the_prompt_and_generates(tiny_models, architecture):
    settings = {
        "prompt": "what is the binary sentiment of the following sentence? {text}",
        "max_new_tokens": 3,
    }
    runner, predictions = run(
        "text_classification", tiny_models[architecture], TEXTS, settings, kind="multi_purpose"
    )
    assert all(1 <= p.output_tokens <= 3 for p in predictions)
    # The prompt is part of the input: more tokens than the bare text.
    bare = runner.tokenizer(TEXTS[0]["text"])["input_ids"]
    assert predictions[0].input_tokens > len(bare)


def test_zero_shot_without_a_length_keeps_generation_defaults(tiny_models):
    settings = {"prompt": "summarize the following text: {text}", "max_new_tokens": None}
    runner, predictions = run(
        "summarization", tiny_models["bart_seq2seq"], TEXTS, settings, kind="multi_purpose"
    )
    # No length set: transformers' model-agnostic default max_length (about 20) applies.
    assert runner.model.generation_config.max_new_tokens is None
    assert all(1 <= p.output_tokens <= 21 for p in predictions)


def test_image_classification_labels_each_image(tiny_models):
    _, predictions = run("image_classification", tiny_models["vit_image_classification"], images())
    assert {p.prediction for p in predictions} <= {"circle", "square"}


def test_object_detection_returns_boxes_in_image_pixels(tiny_models):
    _, predictions = run(
        "object_detection", tiny_models["detr_object_detection"], images(), {"threshold": 0.0}
    )
    for prediction, (width, height) in zip(predictions, [(64, 48), (40, 60)], strict=True):
        boxes = json.loads(prediction.prediction)
        assert len(boxes) == prediction.output_tokens > 0
        assert {box["label"] for box in boxes} <= {"circle", "square", "no-object", "N/A"}
        assert all(
            -1 <= b["box"][2] <= width + 1 and -1 <= b["box"][3] <= height + 1 for b in boxes
        )


def test_image_captioning_generates_text(tiny_models):
    _, predictions = run(
        "image_captioning",
        tiny_models["vit_gpt2_image_captioning"],
        images(),
        {"max_new_tokens": 5},
    )
    assert all(1 <= p.output_tokens <= 5 for p in predictions)


def test_image_generation_records_size_and_steps(tiny_models):
    settings = {"num_inference_steps": 2, "height": 32, "width": 32}
    _, predictions = run(
        "image_generation",
        tiny_models["stable_diffusion"],
        [{"sample_index": i, "text": "a red circle"} for i in range(2)],
        settings,
    )
    assert [(p.image_width, p.image_height, p.inference_steps) for p in predictions] == [
        (32, 32, 2)
    ] * 2
    assert all(p.input_tokens > 2 and not p.truncated for p in predictions)


def test_decoder_only_prompts_leave_room_for_the_continuation(tiny_models):
    settings = {"prompt": "{question}? Answer:", "max_new_tokens": 65}
    long_question = {"question": " ".join(["energy"] * 200)}
    runner, (prediction,) = run(
        "extractive_qa", tiny_models["gpt2_causal_lm"], [long_question], settings, "multi_purpose"
    )
    assert prediction.truncated
    assert prediction.input_tokens + 65 <= 128  # the tiny GPT-2's positions
    assert runner.tokenizer.truncation_side == "left"  # "Answer:" is kept


def test_random_weights_need_no_checkpoint(config_only):
    model_dir = config_only("bert_sequence_classification")
    with pytest.raises(OSError):
        run("text_classification", model_dir, TEXTS)
    _, predictions = run("text_classification", model_dir, TEXTS, {"random_weights": True})
    assert {p.prediction for p in predictions} <= {"NEGATIVE", "POSITIVE"}


@pytest.mark.parametrize(
    ("task", "architecture", "settings", "kind", "forced"),
    [
        ("text_generation", "gpt2_causal_lm", {"max_new_tokens": 7}, "task_specific", 7),
        ("summarization", "bart_seq2seq", {"min_length": 2, "max_length": 9}, "task_specific", 8),
        (
            "summarization",
            "bart_seq2seq",
            {"prompt": "summarize: {text}", "max_new_tokens": None},
            "multi_purpose",
            20,
        ),
    ],
)
def test_random_weights_generate_exactly_the_maximum_length(
    config_only, task, architecture, settings, kind, forced
):
    model_dir = config_only(architecture)
    _, predictions = run(task, model_dir, TEXTS, {**settings, "random_weights": True}, kind)
    assert [p.output_tokens for p in predictions] == [forced, forced]


def screened_generation(runner, samples):
    """Predictions of `runner` (image generation, loaded) and the verdicts its safety checker
    returned, one list per call: it runs once per batch, on every generated image."""
    checker = runner.pipeline.safety_checker
    assert type(checker).__name__ == "StableDiffusionSafetyChecker"
    assert checker in runner.networks()  # counted in model_parameters
    verdicts = []
    hook = checker.register_forward_hook(lambda _module, _inputs, out: verdicts.append(out[1]))
    try:
        return runner.infer(samples), verdicts
    finally:
        hook.remove()


def test_image_generation_runs_the_safety_checker_its_repository_names(tiny_models):
    """SD 1.x repositories name their safety checker's library `stable_diffusion`, a diffusers
    pipeline module, not an importable package: the runner resolves it as diffusers does, loads
    the checker and runs it on every generated image, as the published pipeline does
    (architecture-only mode: tests/unit/test_architectures.py)."""
    model_dir = tiny_models["stable_diffusion"]
    index = json.loads((model_dir / "model_index.json").read_text())
    assert index["safety_checker"] == ["stable_diffusion", "StableDiffusionSafetyChecker"]
    assert index["feature_extractor"] == ["transformers", "CLIPImageProcessor"]
    assert index["requires_safety_checker"] is True
    runner = make_runner("image_generation", "task_specific", {"num_inference_steps": 2})
    runner.import_code(model_dir)
    runner.load(model_dir, CPU, FP32)
    samples = [{"sample_index": i, "text": "a red circle"} for i in range(2)]
    predictions, verdicts = screened_generation(runner, samples)
    assert [(p.image_width, p.image_height) for p in predictions] == [(32, 32)] * 2
    assert verdicts == [[False, False]]


@pytest.mark.parametrize(
    ("task", "architecture", "kind"),
    [
        ("summarization", "bart_seq2seq", "seq2seq"),
        ("text_generation", "gpt2_causal_lm", "decoder_only"),
        ("text_classification", "bert_sequence_classification", "encoder_only"),
        ("image_generation", "stable_diffusion", "diffusion"),
    ],
)
def test_loaded_model_is_described_by_counting(tiny_models, task, architecture, kind):
    runner = loaded(task, tiny_models[architecture], {"max_new_tokens": 2})
    description = runner.describe_model()
    assert description["architecture_kind"] == kind
    networks = runner.networks()
    assert description["model_parameters"] == sum(
        p.numel() for n in networks for p in n.parameters()
    )
    assert description["model_parameters"] > 0 and len(networks) == (
        4 if kind == "diffusion" else 1  # UNet, VAE, text encoder, safety checker
    )


@pytest.fixture
def model_with_own_code(tiny_models, tmp_path, monkeypatch):
    """A save_pretrained directory whose config maps to Python files shipped beside it, as hub
    repositories with custom architectures do; importing them leaves a marker file."""
    model_dir = tmp_path / "custom"
    shutil.copytree(tiny_models["bert_sequence_classification"], model_dir)
    config = json.loads((model_dir / "config.json").read_text())
    config["model_type"] = "custom-bert"
    config["auto_map"] = {
        "AutoConfig": "custom_config.CustomConfig",
        "AutoModelForSequenceClassification": "custom_model.CustomModel",
    }
    (model_dir / "config.json").write_text(json.dumps(config))
    (model_dir / "custom_config.py").write_text(
        "from transformers import DistilBertConfig\n\n"
        "class CustomConfig(DistilBertConfig):\n    model_type = 'custom-bert'\n"
    )
    marker = tmp_path / "foreign-code-ran"
    (model_dir / "custom_model.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
        "from transformers import DistilBertForSequenceClassification\n"
        "from .custom_config import CustomConfig\n\n"
        "class CustomModel(DistilBertForSequenceClassification):\n    config_class = CustomConfig\n"
    )
    monkeypatch.setenv("HF_MODULES_CACHE", str(tmp_path / "modules"))
    return model_dir, marker


def test_a_models_own_code_runs_only_when_allowed(model_with_own_code):
    model_dir, marker = model_with_own_code
    runner = make_runner("text_classification", "task_specific", {})
    with pytest.raises(ValueError, match="trust_remote_code"):
        runner.import_code(model_dir)
    assert not marker.exists()
    _, predictions = run("text_classification", model_dir, TEXTS, {"trust_remote_code": True})
    assert marker.read_text() == "ran"
    assert {p.prediction for p in predictions} <= {"NEGATIVE", "POSITIVE"}


@pytest.mark.parametrize(
    ("task", "architecture", "kind", "settings", "field", "others"),
    [
        ("text_classification", "bert_sequence_classification", "task_specific", {}, "text", {}),
        ("token_classification", "bert_token_classification", "task_specific", {}, "text", {}),
        ("extractive_qa", "bert_question_answering", "task_specific", {}, "context",
         {"question": "what is it?"}),
        ("masked_language_modeling", "bert_masked_lm", "task_specific", {}, "text",
         {"target": "word"}),
        ("text_generation", "gpt2_causal_lm", "task_specific", {"max_new_tokens": 3}, "text", {}),
        ("summarization", "bart_seq2seq", "task_specific", {"min_length": 1, "max_length": 5},
         "text", {}),
        ("text_classification", "gpt2_causal_lm", "multi_purpose",
         {"prompt": "{text}", "max_new_tokens": 2}, "text", {}),
        ("summarization", "bart_seq2seq", "multi_purpose",
         {"prompt": "summarize: {text}", "max_new_tokens": 2}, "text", {}),
    ],
)  # fmt: skip
def test_every_text_task_measures_degenerate_rows(
    tiny_models, task, architecture, kind, settings, field, others
):
    samples = [
        {"sample_index": i, field: text, **others} for i, text in enumerate(DEGENERATE_TEXTS)
    ]
    runner, predictions = run(task, tiny_models[architecture], samples, settings, kind)
    assert all(p.input_tokens >= 1 for p in predictions), predictions
    assert predictions[-1].input_tokens <= runner.max_length
    assert predictions[-1].truncated
