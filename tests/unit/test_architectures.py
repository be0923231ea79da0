"""The shipped real architectures (resources/architectures): configs with the published
hyper-parameters and real tokenizers, so that architecture-only mode (`weights: random`) runs
at real size with no hub. Their parameter counts must be those of the checkpoints they stand for.

Real-size models are built on the meta device (shapes, no memory, no initialisation): counting
their parameters takes a second where building them took minutes. Forward passes run on the
tiny demo models, which are these architectures scaled down (powerhungry.models.tiny)."""

import pytest
import torch
import transformers
from helpers import REPO
from test_runners import TEXTS, images, screened_generation
from transformers import AutoConfig, AutoTokenizer

from powerhungry.models.tiny import SOURCES
from powerhungry.tasks import make_runner
from powerhungry.tasks.image_generation import random_weights_pipeline

ARCHITECTURES = REPO / "resources" / "architectures"
CPU, META, FP32 = torch.device("cpu"), torch.device("meta"), torch.float32
# Shipped folder -> the tiny architecture scaled down from it.
TINY = {folder: architecture for architecture, folder in SOURCES.items()}

# The checkpoints' own parameter counts (model.num_parameters() of the published weights).
PUBLISHED_PARAMETERS = {
    "distilbert-base-uncased-finetuned-sst-2-english": 66_955_010,
    "keyphrase-extraction-distilbert-inspec": 66_365_187,
    "distilbert-base-uncased-distilled-squad": 66_364_418,
    "bert-base-uncased": 109_514_298,
    "gpt2": 124_439_808,
    "bart-large-cnn": 406_290_432,
    "vit-base-patch16-224": 86_567_656,
    "detr-resnet-50": 41_524_768,
    "vit-gpt2-image-captioning": 239_195_904,
}
# The safety checker: CLIP ViT-L/14's vision tower (openai/clip-vit-large-patch14's 303,179,776),
# its 1024 -> 768 projection (786,432) and 17 + 3 concept embeddings with their thresholds
# (15,380); the hub lists CompVis/stable-diffusion-safety-checker at 304M.
STABLE_DIFFUSION_PARAMETERS = {
    "unet": 859_520_964,
    "vae": 83_653_863,
    "text_encoder": 123_060_480,
    "safety_checker": 303_981_588,
}

QA = [{"question": "what is the capital of france", "context": "paris is the capital of france"}]
TASKS = {
    "distilbert-base-uncased-finetuned-sst-2-english": ("text_classification", TEXTS, {}),
    "keyphrase-extraction-distilbert-inspec": ("token_classification", TEXTS, {}),
    "distilbert-base-uncased-distilled-squad": ("extractive_qa", QA, {}),
    "bert-base-uncased": ("masked_language_modeling", TEXTS, {}),
    "gpt2": ("text_generation", TEXTS, {"max_new_tokens": 3}),
    "bart-large-cnn": ("summarization", TEXTS, {"min_length": 3, "max_length": 4}),
    "vit-base-patch16-224": ("image_classification", images(), {}),
    "detr-resnet-50": ("object_detection", images(), {"threshold": 0.0}),
    "vit-gpt2-image-captioning": ("image_captioning", images(), {"max_new_tokens": 3}),
}


def test_one_architecture_per_task_is_shipped():
    tasks = {task for task, _, _ in TASKS.values()} | {"image_generation"}
    assert len(tasks) == 10
    shipped = {p.name for p in ARCHITECTURES.iterdir() if p.is_dir() and p.name != "tokenizers"}
    assert shipped == set(TASKS) | {"stable-diffusion-v1-5"}


@pytest.mark.parametrize("name", sorted(PUBLISHED_PARAMETERS))
def test_configs_have_the_published_size(name):
    config = AutoConfig.from_pretrained(ARCHITECTURES / name)
    with torch.device("meta"):
        model = getattr(transformers, config.architectures[0])(config=config)
    assert model.num_parameters() == PUBLISHED_PARAMETERS[name]


def test_stable_diffusion_has_the_published_size():
    with torch.device("meta"):
        pipeline = random_weights_pipeline(ARCHITECTURES / "stable-diffusion-v1-5")
    sizes = {
        name: sum(p.numel() for p in getattr(pipeline, name).parameters())
        for name in STABLE_DIFFUSION_PARAMETERS
    }
    assert sizes == STABLE_DIFFUSION_PARAMETERS


def test_stable_diffusion_screens_images_as_published():
    """SD v1.5's safety checker input: resized (bicubic) and centre-cropped to 224 px, normalized
    with CLIP's mean and standard deviation."""
    from PIL import Image
    from transformers import CLIPImageProcessor

    folder = ARCHITECTURES / "stable-diffusion-v1-5" / "feature_extractor"
    processor = CLIPImageProcessor.from_pretrained(folder)
    pixels = processor(Image.new("RGB", (512, 384), (255, 255, 255)), return_tensors="pt")
    assert pixels["pixel_values"].shape == (1, 3, 224, 224)
    # White, normalized per channel: (1 - mean) / std.
    white = pixels["pixel_values"][0, :, 0, 0].tolist()
    assert white == pytest.approx([1.9303, 2.0749, 2.1459], abs=1e-3)


@pytest.mark.parametrize(
    ("name", "text", "ids"),
    [  # ids that the published tokenizers give
        ("bert-base-uncased", "Hello world", [101, 7592, 2088, 102]),
        ("gpt2", "Hello world", [15496, 995]),
        ("stable-diffusion-v1-5/tokenizer", "Hello world", [49406, 3306, 1002, 49407]),
    ],
)
def test_tokenizers_are_the_real_ones(name, text, ids):
    tokenizer = AutoTokenizer.from_pretrained(ARCHITECTURES / name)
    assert tokenizer(text).input_ids == ids


def test_bart_splits_text_as_gpt2_does():
    text = "Energy per 1,000 inferences varies by orders of magnitude."
    bart = AutoTokenizer.from_pretrained(ARCHITECTURES / "bart-large-cnn")
    gpt2 = AutoTokenizer.from_pretrained(ARCHITECTURES / "gpt2")
    tokens = bart.convert_ids_to_tokens(bart(text).input_ids)
    assert tokens == ["<s>", *gpt2.tokenize(text), "</s>"]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_random_weights_load_has_the_published_size(name):
    """The runner's architecture-only load of the shipped folder, at real size on meta."""
    task, _, settings = TASKS[name]
    runner = make_runner(task, "task_specific", {**settings, "random_weights": True})
    with torch.device("meta"):
        runner.load(ARCHITECTURES / name, META, FP32)
    assert runner.model.num_parameters() == PUBLISHED_PARAMETERS[name]


def test_every_shipped_architecture_has_a_tiny_version():
    assert set(TINY) == set(TASKS) | {"stable-diffusion-v1-5"}


@pytest.mark.parametrize("name", sorted(TASKS))
def test_architecture_runs_with_random_weights(name, tiny_models):
    """Architecture-only mode end to end, on the architecture scaled down: its model class and
    its tokenizer's ids are the shipped folder's."""
    task, samples, settings = TASKS[name]
    model_dir = tiny_models[TINY[name]]
    shipped = AutoConfig.from_pretrained(ARCHITECTURES / name)
    assert AutoConfig.from_pretrained(model_dir).architectures == shipped.architectures
    runner = make_runner(task, "task_specific", {**settings, "random_weights": True})
    runner.load(model_dir, CPU, FP32)
    predictions = runner.infer(samples)
    assert len(predictions) == len(samples)
    if hasattr(runner, "tokenizer"):
        tokenizer = AutoTokenizer.from_pretrained(ARCHITECTURES / name)
        assert runner.tokenizer("Hello world").input_ids == tokenizer("Hello world").input_ids


def test_stable_diffusion_load_has_the_published_size():
    settings = {"random_weights": True, "num_inference_steps": 2}
    runner = make_runner("image_generation", "task_specific", settings)
    with torch.device("meta"):
        runner.load(ARCHITECTURES / "stable-diffusion-v1-5", META, FP32)
    assert runner.describe_model()["model_parameters"] == sum(STABLE_DIFFUSION_PARAMETERS.values())


def test_stable_diffusion_runs_with_random_weights(config_only):
    """From configs alone, the published pipeline's components included: the safety checker its
    model_index.json names by the diffusers module `stable_diffusion` is built and screens the
    image."""
    model_dir = config_only("stable_diffusion")
    assert not list(model_dir.rglob("*.safetensors"))
    settings = {"random_weights": True, "num_inference_steps": 2, "height": 64, "width": 64}
    runner = make_runner("image_generation", "task_specific", settings)
    runner.import_code(model_dir)
    runner.load(model_dir, CPU, FP32)
    (prediction,), verdicts = screened_generation(
        runner, [{"sample_index": 0, "text": "a photo of an astronaut riding a horse"}]
    )
    assert (prediction.image_width, prediction.image_height) == (64, 64)
    assert prediction.input_tokens == 10
    assert verdicts == [[False]]
