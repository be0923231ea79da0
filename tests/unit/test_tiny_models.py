"""Every tiny architecture builds offline and loads back with the class the runners use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image
from transformers import (
    AutoConfig,
    AutoImageProcessor,
    AutoModelForCausalLM,
    AutoModelForImageClassification,
    AutoModelForImageTextToText,
    AutoModelForMaskedLM,
    AutoModelForObjectDetection,
    AutoModelForQuestionAnswering,
    AutoModelForSeq2SeqLM,
    AutoModelForSequenceClassification,
    AutoModelForTokenClassification,
    AutoTokenizer,
    VisionEncoderDecoderModel,
)

from powerhungry.models.tiny import BUILDERS, build_tiny_model

NER_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
IMAGE_LABELS = ["cat", "dog", "car"]
TEXT = "paris is the capital of france"


def settings(architecture: str, labels: list[str] | None = None, **overrides: Any) -> dict:
    return {
        "architecture": architecture,
        "hidden_size": 32,
        "num_layers": 2,
        "labels": labels or ["NEGATIVE", "POSITIVE"],
        "seed": 0,
        **overrides,
    }


def image() -> Image.Image:
    # Not square and not 32x32, so the processor has to resize.
    pixels = np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return Image.fromarray(pixels)


def check_sequence_classification(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    with torch.no_grad():
        logits = model(**tokenizer(TEXT, return_tensors="pt")).logits
    assert logits.shape == (1, 2)
    assert model.config.id2label == {0: "NEGATIVE", 1: "POSITIVE"}


def check_token_classification(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForTokenClassification.from_pretrained(model_dir).eval()
    inputs = tokenizer(TEXT, return_tensors="pt")
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (1, inputs["input_ids"].shape[1], len(NER_LABELS))
    assert [model.config.id2label[i] for i in range(len(NER_LABELS))] == NER_LABELS


def check_question_answering(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForQuestionAnswering.from_pretrained(model_dir).eval()
    inputs = tokenizer("what is the capital of france ?", TEXT, return_tensors="pt")
    with torch.no_grad():
        out = model(**inputs)
    length = inputs["input_ids"].shape[1]
    assert out.start_logits.shape == out.end_logits.shape == (1, length)
    # The question/context pair is encoded as two segments, as extractive QA needs.
    assert inputs.sequence_ids(0).count(1) > 0


def check_masked_lm(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForMaskedLM.from_pretrained(model_dir).eval()
    inputs = tokenizer(f"paris is the {tokenizer.mask_token} of france", return_tensors="pt")
    assert tokenizer.mask_token == "[MASK]"
    assert (inputs["input_ids"] == tokenizer.mask_token_id).sum() == 1
    with torch.no_grad():
        logits = model(**inputs).logits
    assert logits.shape == (1, inputs["input_ids"].shape[1], len(tokenizer))


def check_causal_lm(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
    inputs = tokenizer(TEXT, return_tensors="pt")
    ids = model.generate(**inputs, max_new_tokens=5, min_new_tokens=5, do_sample=False)
    assert ids.shape == (1, inputs["input_ids"].shape[1] + 5)


def check_seq2seq(model_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).eval()
    inputs = tokenizer("summarize: " + TEXT, return_tensors="pt")
    assert set(inputs) == {"input_ids", "attention_mask"}
    assert inputs["input_ids"][0, -1] == tokenizer.eos_token_id
    ids = model.generate(**inputs, max_new_tokens=5, min_new_tokens=5, do_sample=False)
    assert ids.shape == (1, 6)
    # BART starts decoding from </s>, its end-of-sequence token (T5 would start from <pad>).
    assert ids[0, 0] == tokenizer.eos_token_id == model.config.decoder_start_token_id
    assert isinstance(tokenizer.decode(ids[0], skip_special_tokens=True), str)


def check_image_classification(model_dir: Path) -> None:
    processor = AutoImageProcessor.from_pretrained(model_dir)
    model = AutoModelForImageClassification.from_pretrained(model_dir).eval()
    pixel_values = processor(images=image(), return_tensors="pt")["pixel_values"]
    assert pixel_values.shape == (1, 3, 32, 32)
    with torch.no_grad():
        logits = model(pixel_values=pixel_values).logits
    assert logits.shape == (1, len(IMAGE_LABELS))
    assert set(model.config.label2id) == set(IMAGE_LABELS)


def check_object_detection(model_dir: Path) -> None:
    processor = AutoImageProcessor.from_pretrained(model_dir)
    model = AutoModelForObjectDetection.from_pretrained(model_dir).eval()
    inputs = processor(images=image(), return_tensors="pt")
    assert max(inputs["pixel_values"].shape[-2:]) == 64
    with torch.no_grad():
        out = model(**inputs)
    # DETR adds a "no object" class after the real labels.
    assert out.logits.shape == (1, 10, len(IMAGE_LABELS) + 1)
    assert out.pred_boxes.shape == (1, 10, 4)
    detections = processor.post_process_object_detection(
        out, threshold=0.0, target_sizes=[(48, 64)]
    )[0]
    assert detections["boxes"].shape[-1] == 4
    assert set(detections["labels"].tolist()) <= set(range(len(IMAGE_LABELS)))


def check_image_captioning(model_dir: Path) -> None:
    processor = AutoImageProcessor.from_pretrained(model_dir)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForImageTextToText.from_pretrained(model_dir).eval()
    assert isinstance(model, VisionEncoderDecoderModel)
    pixel_values = processor(images=image(), return_tensors="pt")["pixel_values"]
    ids = model.generate(pixel_values=pixel_values, max_new_tokens=4, min_new_tokens=4)
    assert ids.shape == (1, 5)
    assert ids[0, 0] == model.generation_config.decoder_start_token_id
    assert model.generation_config.pad_token_id == tokenizer.pad_token_id
    assert model.generation_config.eos_token_id == tokenizer.eos_token_id
    assert isinstance(tokenizer.decode(ids[0], skip_special_tokens=True), str)


def check_stable_diffusion(model_dir: Path) -> None:
    from diffusers import StableDiffusionPipeline
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker

    pipeline = StableDiffusionPipeline.from_pretrained(model_dir)
    pipeline.set_progress_bar_config(disable=True)
    # SD v1.5's safety checker, named as its model_index.json names it, scaled down.
    assert isinstance(pipeline.safety_checker, StableDiffusionSafetyChecker)
    assert pipeline.config.safety_checker == ("stable_diffusion", "StableDiffusionSafetyChecker")
    assert pipeline.safety_checker.config.vision_config.image_size == 32
    assert pipeline.feature_extractor.crop_size == {"height": 32, "width": 32}
    # No height/width: the default size comes from the saved UNet and VAE configs.
    result = pipeline(
        "a photo of a cat",
        num_inference_steps=2,
        generator=torch.Generator().manual_seed(0),
    )
    (picture,) = result.images
    assert isinstance(picture, Image.Image)
    assert picture.size == (32, 32)
    assert result.nsfw_content_detected == [False]  # the checker ran and passed the image


CASES: dict[str, tuple[list[str] | None, Callable[[Path], None]]] = {
    "bert_sequence_classification": (None, check_sequence_classification),
    "bert_token_classification": (NER_LABELS, check_token_classification),
    "bert_question_answering": (None, check_question_answering),
    "bert_masked_lm": (None, check_masked_lm),
    "gpt2_causal_lm": (None, check_causal_lm),
    "bart_seq2seq": (None, check_seq2seq),
    "vit_image_classification": (IMAGE_LABELS, check_image_classification),
    "detr_object_detection": (IMAGE_LABELS, check_object_detection),
    "vit_gpt2_image_captioning": (None, check_image_captioning),
    "stable_diffusion": (None, check_stable_diffusion),
}


def test_every_builder_is_checked() -> None:
    assert set(CASES) == set(BUILDERS)


@pytest.mark.parametrize("architecture", list(CASES))
def test_builds_and_runs_offline(architecture: str, tmp_path: Path) -> None:
    labels, check = CASES[architecture]
    build_tiny_model(settings(architecture, labels), tmp_path)
    check(tmp_path)


@pytest.mark.parametrize(
    "architecture", ["bert_token_classification", "bart_seq2seq", "vit_image_classification"]
)
def test_settings_set_the_transformer_size(architecture: str, tmp_path: Path) -> None:
    build_tiny_model(settings(architecture, hidden_size=48, num_layers=3), tmp_path)
    config = AutoConfig.from_pretrained(tmp_path)
    assert config.hidden_size == 48
    assert config.num_hidden_layers == 3


def test_same_seed_same_weights(tmp_path: Path) -> None:
    for name in ("a", "b"):
        build_tiny_model(settings("bert_masked_lm", seed=7), tmp_path / name)
    first, second = (
        AutoModelForMaskedLM.from_pretrained(tmp_path / name).state_dict() for name in ("a", "b")
    )
    assert all(torch.equal(first[key], second[key]) for key in first)
