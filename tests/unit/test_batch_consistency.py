"""Batched inference gives every sample what it gets alone: each task runner, and the zero-shot
runner for both kinds of multi-purpose model, on the tiny random-weight models, through the
measurement's own `run_inferences`. The samples differ in length (a row with no word, one cut at
the models' maximum) and the images in size, so batches pad; six samples in batches of four
leave a partial batch. Also: a scenario's attention implementation reaches the model, and one
the model lacks fails its load.

Classification, extraction and greedy generation must agree exactly, tokens counted included:
padding is masked out, so the only difference a batch makes is float32 rounding in reductions
over a wider padded width (last bits of the logits), which moves no argmax on these inputs.
Where a batch changes what the model computes, or rounding reaches the output, the tolerance
is a named constant below, with the reason."""

import json

import numpy as np
import pytest
import torch
from helpers import loaded

from powerhungry.data.preprocess import as_png
from powerhungry.measure.cell import run_inferences
from powerhungry.tasks import make_runner
from powerhungry.tasks.base import ATTENTION

# Tens of seconds of tiny-model inference: a slow test (make test, .ci/run), not the quick tier.
pytestmark = pytest.mark.slow

BATCH_SIZE = 4
# Different lengths, so that a batch pads: a row with no token (a decoder-only model is given its
# BOS token for it), one cut at the tiny models' 128 positions, and a multilingual one.
TEXTS = [
    "great",
    "the plot made no sense and the acting was awful from the first scene to the last",
    "",
    "paris is the capital of france",
    "word " * 300,
    "日本語 mixed Ελληνικά عربي 🙂",
]
QUESTIONS = ["what is it?", "which city is the capital of france, and what is it known for?"]
IMAGE_SIZES = [(64, 48), (40, 60), (50, 50), (80, 30), (33, 71), (64, 64)]

# Images of different sizes in one batch: DETR's backbone sees the padding up to the batch's
# largest image (powerhungry.tasks.object_detection), which moves the tiny model's scores by
# about 1e-3 and could move boxes a little. Images of one size agree exactly (test below).
DETECTION_SCORE_TOLERANCE = 0.01
DETECTION_BOX_TOLERANCE_PX = 1.0
# Diffusion: the same initial noise per sample (its own generator), then a UNet whose float32
# convolutions and attention round differently for a batch; the decoded image is quantized to
# 8 bits, so rounding can move a pixel by one level.
PIXEL_TOLERANCE = 1


def text_samples(texts=TEXTS):
    return [{"sample_index": i, "text": text} for i, text in enumerate(texts)]


def qa_samples():
    return [
        {"sample_index": i, "question": QUESTIONS[i % 2], "context": text}
        for i, text in enumerate(TEXTS)
    ]


def noise_images(sizes):
    """Samples of seeded random RGB images of `sizes` ((width, height) each): distinct content,
    so that predictions differ from image to image."""
    from PIL import Image

    rng = np.random.default_rng(0)
    return [
        {
            "sample_index": i,
            "image": as_png(Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)), None),
        }
        for i, (w, h) in enumerate(sizes)
    ]


def alone_and_batched(runner, samples):
    alone = run_inferences(runner, samples, 1)
    batched = run_inferences(runner, samples, BATCH_SIZE)
    assert len(alone) == len(batched) == len(samples)
    return alone, batched


def every_batch_pads(predictions):
    """Whether each batch of BATCH_SIZE holds inputs of different token counts."""
    return all(
        len({p.input_tokens for p in predictions[start : start + BATCH_SIZE]}) > 1
        for start in range(0, len(predictions), BATCH_SIZE)
    )


@pytest.mark.parametrize(
    ("task", "architecture", "kind", "settings", "samples"),
    [
        ("text_classification", "bert_sequence_classification", "task_specific", {},
         text_samples()),
        # A decoder-only classifier (its head newly initialised: not in the checkpoint) finds
        # each sample's last token by the padding id. Not the empty row, of no token for
        # GPT-2's tokenizer: such a classifier cannot read it.
        ("text_classification", "gpt2_causal_lm", "task_specific", {},
         text_samples([text or "fine" for text in TEXTS])),
        ("token_classification", "bert_token_classification", "task_specific", {},
         text_samples()),
        ("extractive_qa", "bert_question_answering", "task_specific", {}, qa_samples()),
        ("masked_language_modeling", "bert_masked_lm", "task_specific", {}, text_samples()),
        ("text_generation", "gpt2_causal_lm", "task_specific", {"max_new_tokens": 5},
         text_samples()),
        ("summarization", "bart_seq2seq", "task_specific", {"min_length": 2, "max_length": 8},
         text_samples()),
        ("text_classification", "gpt2_causal_lm", "multi_purpose",
         {"prompt": "sentiment of: {text}", "max_new_tokens": 4}, text_samples()),
        ("extractive_qa", "bart_seq2seq", "multi_purpose",
         {"prompt": "{context} question: {question}", "max_new_tokens": 4}, qa_samples()),
    ],
)  # fmt: skip
def test_text_batches_agree_with_one_sample_at_a_time(
    tiny_models, task, architecture, kind, settings, samples
):
    runner = loaded(task, tiny_models[architecture], settings, kind)
    alone, batched = alone_and_batched(runner, samples)
    assert every_batch_pads(alone)
    assert batched == alone


@pytest.mark.parametrize(
    ("task", "architecture", "settings"),
    [
        ("image_classification", "vit_image_classification", {}),
        ("image_captioning", "vit_gpt2_image_captioning", {"max_new_tokens": 5}),
    ],
)
def test_image_batches_of_mixed_sizes_agree_with_one_image_at_a_time(
    tiny_models, task, architecture, settings
):
    """Their processors resize every image to the model's input size, so nothing pads; the
    captioner's decoder starts every caption from the same start token."""
    runner = loaded(task, tiny_models[architecture], settings)
    alone, batched = alone_and_batched(runner, noise_images(IMAGE_SIZES))
    assert batched == alone


def test_object_detection_batches_of_one_image_size_agree_exactly(tiny_models):
    runner = loaded("object_detection", tiny_models["detr_object_detection"], {"threshold": 0.0})
    alone, batched = alone_and_batched(runner, noise_images([(64, 48)] * len(IMAGE_SIZES)))
    assert batched == alone
    assert len({p.prediction for p in alone}) == len(alone)  # distinct images, distinct scores


def test_object_detection_batches_of_mixed_sizes_keep_each_images_boxes(tiny_models):
    """Each image's boxes are in its own pixels (its own target size, not the padded batch's),
    and, but for DETR's backbone seeing the padding, as found alone."""
    runner = loaded("object_detection", tiny_models["detr_object_detection"], {"threshold": 0.0})
    alone, batched = alone_and_batched(runner, noise_images(IMAGE_SIZES))
    for one, batch in zip(alone, batched, strict=True):
        assert batch.output_tokens == one.output_tokens > 0
        one_boxes, batch_boxes = json.loads(one.prediction), json.loads(batch.prediction)
        assert [b["label"] for b in batch_boxes] == [b["label"] for b in one_boxes]
        assert np.allclose(
            [b["score"] for b in batch_boxes],
            [b["score"] for b in one_boxes],
            rtol=0,
            atol=DETECTION_SCORE_TOLERANCE,
        )
        assert np.allclose(
            [b["box"] for b in batch_boxes],
            [b["box"] for b in one_boxes],
            rtol=0,
            atol=DETECTION_BOX_TOLERANCE_PX,
        )


def test_image_generation_gives_each_sample_its_own_image_in_any_batch(tiny_models):
    """A sample's noise is seeded by its index: the same image alone, in a batch, and after the
    global random state has moved; two samples with one prompt get different images."""
    settings = {"num_inference_steps": 2, "height": 32, "width": 32}
    runner = loaded("image_generation", tiny_models["stable_diffusion"], settings)
    images = []
    generate = runner.forward

    def recording(inputs):
        outputs = generate(inputs)
        images.extend(np.asarray(image, dtype=np.int16) for image in outputs)
        return outputs

    runner.forward = recording
    prompts = ["a red circle", "a red circle", "a blue square on a wide green field", "", "cat"]
    samples = [{"sample_index": i, "text": prompt} for i, prompt in enumerate(prompts)]
    alone, batched = alone_and_batched(runner, samples)
    assert batched == alone  # prompt tokens, image size, steps
    first, second = images[: len(samples)], images[len(samples) :]
    for one, batch in zip(first, second, strict=True):
        assert np.abs(one - batch).max() <= PIXEL_TOLERANCE
    assert np.abs(first[0] - first[1]).max() > 10 * PIXEL_TOLERANCE
    torch.manual_seed(1234)  # the global random state has no part in a sample's image
    run_inferences(runner, samples[:1], 1)
    assert np.array_equal(images[-1], first[0])


@pytest.mark.parametrize(
    ("task", "architecture", "settings"),
    [
        ("text_classification", "bert_sequence_classification", {}),
        ("text_generation", "gpt2_causal_lm", {"max_new_tokens": 2}),
        ("image_classification", "vit_image_classification", {"random_weights": True}),
    ],
)
def test_a_scenarios_attention_implementation_reaches_the_model(
    tiny_models, task, architecture, settings
):
    """Transformers' default is sdpa where the model has it: "eager" is the setting's doing."""
    default = loaded(task, tiny_models[architecture], settings)
    assert default.model.config._attn_implementation != "eager"
    runner = loaded(task, tiny_models[architecture], {**settings, ATTENTION: "eager"})
    assert runner.model.config._attn_implementation == "eager"


@pytest.mark.parametrize("random_weights", [False, True])
def test_an_attention_implementation_the_model_lacks_fails_its_load(tiny_models, random_weights):
    """GPT-2 has no flex attention: transformers' own error, from the load."""
    settings = {"max_new_tokens": 2, ATTENTION: "flex_attention", "random_weights": random_weights}
    runner = make_runner("text_generation", "task_specific", settings)
    with pytest.raises(ValueError, match=r"does not support .*flex_attention"):
        runner.load(tiny_models["gpt2_causal_lm"], torch.device("cpu"), torch.float32)


def test_image_generation_refuses_an_attention_implementation(tiny_models):
    runner = make_runner("image_generation", "task_specific", {ATTENTION: "sdpa"})
    with pytest.raises(ValueError, match="attn_implementation='sdpa' is not supported for image"):
        runner.load(tiny_models["stable_diffusion"], torch.device("cpu"), torch.float32)
