"""files_to_fetch: what a measurement loads of a Hub repo, on the file lists real repos have."""

import pytest

from powerhungry.models.hub_files import UnloadableRepoError, files_to_fetch

# distilbert-base-uncased-finetuned-sst-2-english as the Hub lists it (2024).
DISTILBERT = [
    ".gitattributes",
    "README.md",
    "config.json",
    "flax_model.msgpack",
    "map.jpeg",
    "model.safetensors",
    "onnx/added_tokens.json",
    "onnx/config.json",
    "onnx/model.onnx",
    "onnx/special_tokens_map.json",
    "onnx/tokenizer.json",
    "onnx/tokenizer_config.json",
    "onnx/vocab.txt",
    "pytorch_model.bin",
    "rust_model.ot",
    "tf_model.h5",
    "tokenizer_config.json",
    "vocab.txt",
]

# stable-diffusion-v1-5 (runwayml's layout), model_index.json as published.
STABLE_DIFFUSION = [
    ".gitattributes",
    "README.md",
    "feature_extractor/preprocessor_config.json",
    "model_index.json",
    "safety_checker/config.json",
    "safety_checker/model.fp16.safetensors",
    "safety_checker/model.safetensors",
    "safety_checker/pytorch_model.bin",
    "safety_checker/pytorch_model.fp16.bin",
    "scheduler/scheduler_config.json",
    "text_encoder/config.json",
    "text_encoder/model.fp16.safetensors",
    "text_encoder/model.safetensors",
    "text_encoder/pytorch_model.bin",
    "tokenizer/merges.txt",
    "tokenizer/special_tokens_map.json",
    "tokenizer/tokenizer_config.json",
    "tokenizer/vocab.json",
    "unet/config.json",
    "unet/diffusion_pytorch_model.bin",
    "unet/diffusion_pytorch_model.fp16.safetensors",
    "unet/diffusion_pytorch_model.non_ema.safetensors",
    "unet/diffusion_pytorch_model.safetensors",
    "v1-5-pruned-emaonly.ckpt",
    "v1-5-pruned-emaonly.safetensors",
    "v1-5-pruned.ckpt",
    "vae/config.json",
    "vae/diffusion_pytorch_model.bin",
    "vae/diffusion_pytorch_model.fp16.safetensors",
    "vae/diffusion_pytorch_model.safetensors",
]
SD_INDEX = {
    "_class_name": "StableDiffusionPipeline",
    "_diffusers_version": "0.6.0",
    "feature_extractor": ["transformers", "CLIPImageProcessor"],
    "requires_safety_checker": True,
    "safety_checker": ["stable_diffusion", "StableDiffusionSafetyChecker"],
    "scheduler": ["diffusers", "PNDMScheduler"],
    "text_encoder": ["transformers", "CLIPTextModel"],
    "tokenizer": ["transformers", "CLIPTokenizer"],
    "unet": ["diffusers", "UNet2DConditionModel"],
    "vae": ["diffusers", "AutoencoderKL"],
}


def test_transformers_repo_gets_its_top_level_descriptions_and_safetensors_only():
    assert files_to_fetch(DISTILBERT) == [
        "config.json",
        "model.safetensors",
        "tokenizer_config.json",
        "vocab.txt",
    ]


def test_pickled_weights_are_fetched_where_they_are_all_there_is():
    files = ["config.json", "pytorch_model.bin", "tf_model.h5", "vocab.json", "merges.txt"]
    assert files_to_fetch(files) == ["config.json", "merges.txt", "pytorch_model.bin", "vocab.json"]


def test_sharded_weights_come_with_their_index_and_variants_stay_behind():
    files = [
        "config.json",
        "generation_config.json",
        "chat_template.jinja",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "model.fp16-00001-of-00002.safetensors",
        "model.fp16-00002-of-00002.safetensors",
        "model.fp16.safetensors.index.json",
        "pytorch_model-00001-of-00002.bin",
        "pytorch_model-00002-of-00002.bin",
        "pytorch_model.bin.index.json",
        "tokenizer.json",
    ]
    assert files_to_fetch(files) == [
        "chat_template.jinja",
        "config.json",
        "generation_config.json",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
        "tokenizer.json",
    ]


def test_architecture_only_models_get_no_weights():
    assert files_to_fetch(DISTILBERT, weights="random") == [
        "config.json",
        "tokenizer_config.json",
        "vocab.txt",
    ]


def test_remote_code_is_fetched_only_for_models_that_run_it():
    files = ["config.json", "configuration_x.py", "modeling_x.py", "model.safetensors"]
    assert "modeling_x.py" not in files_to_fetch(files)
    assert {"configuration_x.py", "modeling_x.py"} <= set(
        files_to_fetch(files, trust_remote_code=True)
    )


def test_stable_diffusion_gets_each_component_it_names_without_checkpoints_or_variants():
    assert files_to_fetch(STABLE_DIFFUSION, model_index=SD_INDEX) == [
        "feature_extractor/preprocessor_config.json",
        "model_index.json",
        "safety_checker/config.json",
        "safety_checker/model.safetensors",
        "scheduler/scheduler_config.json",
        "text_encoder/config.json",
        "text_encoder/model.safetensors",
        "tokenizer/merges.txt",
        "tokenizer/special_tokens_map.json",
        "tokenizer/tokenizer_config.json",
        "tokenizer/vocab.json",
        "unet/config.json",
        "unet/diffusion_pytorch_model.safetensors",
        "vae/config.json",
        "vae/diffusion_pytorch_model.safetensors",
    ]


def test_a_component_the_pipeline_runs_without_is_not_fetched():
    index = {**SD_INDEX, "safety_checker": [None, None], "feature_extractor": [None, None]}
    fetched = files_to_fetch(STABLE_DIFFUSION, model_index=index)
    assert not [path for path in fetched if path.startswith(("safety_checker/", "feature_"))]


def test_a_diffusers_repo_needs_its_index():
    with pytest.raises(ValueError, match="model_index"):
        files_to_fetch(STABLE_DIFFUSION)


def test_tokenizer_files_of_any_name_are_fetched():
    # finiteautomata/bertweet-base-sentiment-analysis: BERTweet's BPE merges are `bpe.codes`.
    files = ["config.json", "bpe.codes", "vocab.txt", "added_tokens.json", "pytorch_model.bin"]
    assert "bpe.codes" in files_to_fetch(files)


def test_a_single_weights_file_is_taken_alone_where_shards_sit_beside_it():
    files = [
        "config.json",
        "model.safetensors",
        "model-00001-of-00002.safetensors",
        "model-00002-of-00002.safetensors",
        "model.safetensors.index.json",
    ]
    assert files_to_fetch(files) == ["config.json", "model.safetensors"]


@pytest.mark.parametrize(
    "weights",
    [["tf_model.h5", "flax_model.msgpack"], ["model.ckpt"], ["model.fp16.safetensors"], []],
)
def test_a_repo_without_weights_its_loader_reads_is_refused(weights):
    with pytest.raises(UnloadableRepoError, match="has no weight file"):
        files_to_fetch(["config.json", "tokenizer.json", *weights])
    assert files_to_fetch(["config.json", *weights], weights="random") == ["config.json"]


def test_pipeline_components_missing_from_the_repo_are_refused_together():
    files = [name for name in STABLE_DIFFUSION if not name.startswith(("vae/", "scheduler/"))]
    for weights in ("pretrained", "random"):  # missing folders are not a weights question
        with pytest.raises(UnloadableRepoError) as refused:
            files_to_fetch(files, weights=weights, model_index=SD_INDEX)
        message = str(refused.value)
        assert (
            "no folder for: scheduler, vae" in message or "no folder for: vae, scheduler" in message
        )
        assert "name a revision that has them" in message and "weights: random" not in message
