"""Tiny random-weight models for the embedded demo and the tests: the shipped real architectures
(resources/architectures, one published checkpoint per task), scaled down. No hub, no training.

Each tiny architecture names a shipped folder (`SOURCES`). Its `config.json` is loaded with
transformers' `AutoConfig` (diffusers' `load_config` for Stable Diffusion) and only sizes are
overridden (`scale_config`): the hidden size and layer count of the `tiny:` settings, `NUM_HEADS`
attention heads, feed-forward widths that keep the checkpoint's ratio to the hidden size,
`MAX_LENGTH` text positions, `IMAGE_SIZE` images. Everything else (activation, norms, vocabulary
size, special token ids, block types) is the checkpoint's. The tokenizer and image-processor
files are copied from the folder with only their size limits changed, so the tiny models
tokenize exactly as the real ones do: BERT's WordPiece (30,522 tokens), GPT-2's byte-level BPE
(50,257; BART's 50,261 of them in 50,264 embeddings), CLIP's BPE (49,408). Weights are random,
seeded by `seed`.

At the default hidden size (32) and 2 layers, most parameters are the token embeddings
(vocabulary x 32, about 1.0M for the BERT family, 1.6M for GPT-2, BART and CLIP): 1.0M
parameters (4 MB on disk) for the BERT family, 1.6-1.7M (8 MB) for GPT-2, BART and the ViT-GPT2
captioner, 2.1M (10 MB) for Stable Diffusion (34k of them its safety checker), 33k for ViT and
140k for DETR. At hidden size 128 (demo/small-bert-sentiment) the BERT classifier has 4.3M
(18 MB). Each builds in a fraction of a second.

Energy figures of these models say nothing about real models; they exist so that the whole
workflow (load, tokenize, run, measure) runs on any machine in seconds, on the real
architectures' code paths.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
import transformers
from transformers import AutoConfig, PretrainedConfig

# The repository's resources/architectures (this file is src/powerhungry/models/tiny.py).
ARCHITECTURES = Path(__file__).resolve().parents[3] / "resources" / "architectures"

# Tiny architecture -> the shipped folder it is scaled down from.
SOURCES: dict[str, str] = {
    # DistilBERT (BERT with 6 layers and no segment embeddings) for the three fine-tuned tasks,
    # BERT itself for masked language modelling: the checkpoints of config/architectures.yaml.
    "bert_sequence_classification": "distilbert-base-uncased-finetuned-sst-2-english",
    "bert_token_classification": "keyphrase-extraction-distilbert-inspec",
    "bert_question_answering": "distilbert-base-uncased-distilled-squad",
    "bert_masked_lm": "bert-base-uncased",
    "gpt2_causal_lm": "gpt2",
    # The one encoder-decoder shipped; it also stands in for Flan-T5 in the demo's zero-shot runs
    # (no T5 SentencePiece vocabulary can be had without the hub).
    "bart_seq2seq": "bart-large-cnn",
    "vit_image_classification": "vit-base-patch16-224",
    "detr_object_detection": "detr-resnet-50",
    "vit_gpt2_image_captioning": "vit-gpt2-image-captioning",
    "stable_diffusion": "stable-diffusion-v1-5",
}
# Architectures whose head is sized by the `labels` setting (the others ignore it).
LABELLED = {
    "bert_sequence_classification",
    "bert_token_classification",
    "vit_image_classification",
    "detr_object_detection",
}

# Text positions (BERT 512, GPT-2 and BART 1024): inputs longer than this are truncated.
MAX_LENGTH = 128
# Attention heads are fixed so that any even hidden_size from the settings divides evenly.
NUM_HEADS = 2
# ViT: 224x224 images in 16x16 patches (196 tokens) -> 32x32 in 8x8 patches (16 tokens).
IMAGE_SIZE = 32
PATCH_SIZE = 8
# DETR resizes by edge length (800..1333); at 64 the ResNet's 32x stride leaves 2x2 cells.
DETECTION_EDGE = 64
# DETR's 100 object queries -> 10.
NUM_QUERIES = 10
# Stable Diffusion's CLIP text encoder takes 77 tokens; demo prompts are short.
CLIP_MAX_LENGTH = 16

# Files that describe the network; every other file of a shipped folder (tokenizer, image
# processor) is copied. bart-large-cnn's generation_config.json (4 beams, 56..142 tokens) is
# left out with them: the tiny BART decodes greedily with transformers' defaults (20 tokens), as
# Flan-T5, which it also stands in for, does; the demo's summarization settings set its lengths.
MODEL_FILES = {"config.json", "generation_config.json"}

Builder = Callable[[dict[str, Any], Path], None]


# ---------------------------------------------------------------- configs


def widened(config: PretrainedConfig, width: str, hidden: int) -> int:
    """A feed-forward width for `hidden` with the checkpoint's ratio to its hidden size."""
    return hidden * getattr(config, width) // config.hidden_size


def scale_config(config: PretrainedConfig, hidden: int, layers: int) -> None:
    """Shrink a shipped config in place: hidden size, layers, heads, widths, positions, images.

    Per model type (shipped -> tiny, for hidden h and n layers):
    - distilbert, bert: 768 -> h, 6 or 12 layers -> n, 12 heads -> 2, FFN 3072 -> 4h,
      512 positions -> 128;
    - gpt2: 768 -> h, 12 layers -> n, 12 heads -> 2, 1024 positions -> 128 (FFN stays 4h);
    - bart: d_model 1024 -> h, 12+12 layers -> n+n, 16 heads -> 2, FFN 4096 -> 4h,
      1024 positions -> 128;
    - vit: 768 -> h, 12 layers -> n, 12 heads -> 2, FFN 3072 -> 4h, pooler 768 -> h,
      224px images in 16px patches -> 32px in 8px;
    - detr: d_model 256 -> h, 6+6 layers -> n+n, 8 heads -> 2, FFN 2048 -> 8h, 100 queries -> 10,
      ResNet-50 backbone -> a bottleneck ResNet of the same four stages, one block each,
      channels 256..2048 -> 16..128;
    - vision-encoder-decoder: its ViT encoder and GPT-2 decoder as above;
    - clip_text_model: 768 -> h, 12 layers -> n, 12 heads -> 2, FFN 3072 -> 4h,
      projection 768 -> h, 77 positions -> 16;
    - clip (Stable Diffusion's safety checker): projection 768 -> h, its text model as above
      (unused by the checker) and its vision model: 1024 -> h, 24 layers -> n, 16 heads -> 2,
      FFN 4096 -> 4h, 224px images in 14px patches -> 32px in 8px.
    """
    kind = config.model_type
    if kind == "vision-encoder-decoder":
        scale_config(config.encoder, hidden, layers)
        scale_config(config.decoder, hidden, layers)
        return
    if kind == "clip":
        scale_config(config.text_config, hidden, layers)
        scale_config(config.vision_config, hidden, layers)
        config.projection_dim = hidden
        return
    if kind == "distilbert":
        sizes = {"hidden_dim": widened(config, "hidden_dim", hidden)}
    elif kind in ("bert", "vit", "clip_text_model", "clip_vision_model"):
        sizes = {"intermediate_size": widened(config, "intermediate_size", hidden)}
    elif kind in ("bart", "detr"):
        ffn = widened(config, "encoder_ffn_dim", hidden)
        sizes = {
            "encoder_layers": layers,
            "decoder_layers": layers,
            "encoder_attention_heads": NUM_HEADS,
            "decoder_attention_heads": NUM_HEADS,
            "encoder_ffn_dim": ffn,
            "decoder_ffn_dim": ffn,
        }
    elif kind == "gpt2":
        sizes = {}
    else:
        raise ValueError(f"no tiny scaling for model type {kind!r}")
    # Standard names: transformers maps them to n_embd, dim, d_model, n_layer, encoder_layers...
    sizes.update(hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=NUM_HEADS)
    if kind in ("distilbert", "bert", "gpt2", "bart"):
        sizes["max_position_embeddings"] = MAX_LENGTH
    elif kind == "clip_text_model":
        sizes.update(max_position_embeddings=CLIP_MAX_LENGTH, projection_dim=hidden)
    elif kind == "clip_vision_model":
        sizes.update(image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, projection_dim=hidden)
    elif kind == "vit":
        # The pooler's width and the (unused) masked-image stride follow hidden size and patch.
        sizes.update(
            image_size=IMAGE_SIZE,
            patch_size=PATCH_SIZE,
            encoder_stride=PATCH_SIZE,
            pooler_output_size=hidden,
        )
    elif kind == "detr":
        sizes["num_queries"] = NUM_QUERIES
        backbone = config.backbone_config
        backbone.embedding_size = 8
        backbone.hidden_sizes = [16, 32, 64, 128]
        backbone.depths = [1] * len(backbone.depths)
    for name, value in sizes.items():
        setattr(config, name, value)


def label_maps(labels: Sequence[str]) -> dict[str, dict]:
    """id2label/label2id config values, so that pipelines report label names, not LABEL_i."""
    return {
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def tiny_config(architecture: str, settings: dict[str, Any]) -> PretrainedConfig:
    """The shipped config of `architecture` (a transformers model), scaled down by `settings`
    (hidden_size, num_layers, and labels where the architecture classifies)."""
    config = AutoConfig.from_pretrained(ARCHITECTURES / SOURCES[architecture])
    scale_config(config, settings["hidden_size"], settings["num_layers"])
    if architecture in LABELLED:
        for name, value in label_maps(settings["labels"]).items():
            setattr(config, name, value)
    return config


# ---------------------------------------------------------------- tokenizer and processor files


def update_json(path: Path, **values: Any) -> None:
    content = json.loads(path.read_text())
    path.write_text(json.dumps({**content, **values}, indent=1, ensure_ascii=False) + "\n")


def copy_preprocessing(source: Path, out_dir: Path) -> None:
    """The folder's tokenizer and image-processor files, as files (the shipped ones are partly
    symbolic links into resources/architectures/tokenizers)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and path.name not in MODEL_FILES:
            shutil.copyfile(path, out_dir / path.name)


def save_transformers_model(architecture: str, settings: dict[str, Any], out_dir: Path) -> None:
    """Model (the class the shipped config names), tokenizer and processor in one directory, as
    hub checkpoints have them; text limited to MAX_LENGTH tokens, images resized small."""
    config = tiny_config(architecture, settings)
    model = getattr(transformers, config.architectures[0])(config)
    model.save_pretrained(out_dir)
    copy_preprocessing(ARCHITECTURES / SOURCES[architecture], out_dir)
    tokenizer = out_dir / "tokenizer_config.json"
    if tokenizer.exists():
        update_json(tokenizer, model_max_length=MAX_LENGTH)
    processor = out_dir / "preprocessor_config.json"
    if processor.exists() and config.model_type == "detr":
        update_json(
            processor, size={"shortest_edge": DETECTION_EDGE, "longest_edge": DETECTION_EDGE}
        )
    elif processor.exists():
        update_json(processor, size={"height": IMAGE_SIZE, "width": IMAGE_SIZE})


# ---------------------------------------------------------------- transformers models


def build_bert_sequence_classification(settings: dict[str, Any], out_dir: Path) -> None:
    """DistilBertForSequenceClassification from distilbert-base-uncased-finetuned-sst-2-english:
    token ids (1, t) -> logits (1, len(labels)); WordPiece, 30,522 tokens."""
    save_transformers_model("bert_sequence_classification", settings, out_dir)


def build_bert_token_classification(settings: dict[str, Any], out_dir: Path) -> None:
    """DistilBertForTokenClassification from keyphrase-extraction-distilbert-inspec:
    (1, t) -> logits (1, t, len(labels))."""
    save_transformers_model("bert_token_classification", settings, out_dir)


def build_bert_question_answering(settings: dict[str, Any], out_dir: Path) -> None:
    """DistilBertForQuestionAnswering from distilbert-base-uncased-distilled-squad: a
    question/context pair (1, t) -> span start and end logits (1, t) each; no labels."""
    save_transformers_model("bert_question_answering", settings, out_dir)


def build_bert_masked_lm(settings: dict[str, Any], out_dir: Path) -> None:
    """BertForMaskedLM from bert-base-uncased: (1, t) -> logits (1, t, 30,522)."""
    save_transformers_model("bert_masked_lm", settings, out_dir)


def build_gpt2_causal_lm(settings: dict[str, Any], out_dir: Path) -> None:
    """GPT2LMHeadModel from gpt2: (1, t) -> logits (1, t, 50,257), t + new tokens <= 128;
    byte-level BPE with no pad token (the runners pad with end-of-text)."""
    save_transformers_model("gpt2_causal_lm", settings, out_dir)


def build_bart_seq2seq(settings: dict[str, Any], out_dir: Path) -> None:
    """BartForConditionalGeneration from bart-large-cnn: (1, t <= 128) -> generated ids starting
    with the decoder start token </s>; GPT-2's BPE with BART's special tokens, 50,264 embeddings."""
    save_transformers_model("bart_seq2seq", settings, out_dir)


def build_vit_image_classification(settings: dict[str, Any], out_dir: Path) -> None:
    """ViTForImageClassification from vit-base-patch16-224: pixel values (1, 3, 32, 32) ->
    logits (1, len(labels))."""
    save_transformers_model("vit_image_classification", settings, out_dir)


def build_detr_object_detection(settings: dict[str, Any], out_dir: Path) -> None:
    """DetrForObjectDetection from detr-resnet-50 (transformers' own ResNet, no timm, nothing
    pretrained): images resized to a 64-pixel longest edge -> class logits (1, 10, labels + 1,
    the last "no object") and boxes (1, 10, 4)."""
    save_transformers_model("detr_object_detection", settings, out_dir)


def build_vit_gpt2_image_captioning(settings: dict[str, Any], out_dir: Path) -> None:
    """VisionEncoderDecoderModel (ViT encoder, GPT-2 decoder with cross-attention) from
    vit-gpt2-image-captioning: pixel values (1, 3, 32, 32) -> caption ids starting with the
    decoder start token <|endoftext|>, which is also its pad and end token."""
    save_transformers_model("vit_gpt2_image_captioning", settings, out_dir)
    # The checkpoint pads with <|endoftext|> (its config's pad_token_id); the GPT-2 tokenizer
    # files it shares name no pad token.
    update_json(out_dir / "tokenizer_config.json", pad_token="<|endoftext|>")


# ---------------------------------------------------------------- diffusion


def build_stable_diffusion(settings: dict[str, Any], out_dir: Path) -> None:
    """StableDiffusionPipeline from stable-diffusion-v1-5: a prompt (at most 16 CLIP tokens) ->
    a 32x32 image by default, through 16x16x4 latents.

    Text encoder: CLIPTextModel scaled as `scale_config` says (hidden size and layers from the
    settings). UNet: SD v1.5's four levels and block types (three with cross-attention), one
    ResNet layer per block, channels 320..1280 -> 8..32, 2 heads, cross-attention width = the
    text encoder's. VAE: the first two of its four levels, channels 128..512 -> 8..16, so a
    32x32 image has 16x16 latents (SD's factor 8 would leave 4x4, below the UNet's three
    downsamplings). Scheduler: the shipped PNDM config's noise schedule, run by DDIM so that
    n steps are n UNet calls (PNDM's PLMS adds one). Tokenizer: CLIP's, copied. Safety checker:
    SD v1.5's, as its `model_index.json` names it (library `stable_diffusion`), run on every
    generated image: its CLIP vision model scaled as `scale_config` says, on 32x32 images in 8x8
    patches, with SD v1.5's image processor (bicubic resize and centre crop, CLIP's mean and
    standard deviation) at 32 px instead of 224.
    """
    # diffusers is imported here: it is slow to import and only this architecture needs it.
    from diffusers import AutoencoderKL, DDIMScheduler, UNet2DConditionModel
    from diffusers.pipelines.stable_diffusion.safety_checker import StableDiffusionSafetyChecker
    from transformers import CLIPTextModel

    source = ARCHITECTURES / SOURCES["stable_diffusion"]
    hidden = settings["hidden_size"]
    text_config = AutoConfig.from_pretrained(source / "text_encoder")
    scale_config(text_config, hidden, settings["num_layers"])
    CLIPTextModel(text_config).save_pretrained(out_dir / "text_encoder")

    unet = dict(UNet2DConditionModel.load_config(source / "unet"))
    channels = [c // 40 for c in unet["block_out_channels"]]
    unet.update(
        block_out_channels=channels,
        layers_per_block=1,
        norm_num_groups=4,
        cross_attention_dim=hidden,
        attention_head_dim=NUM_HEADS,  # diffusers' name for SD v1's head count
        sample_size=IMAGE_SIZE // 2,
    )
    UNet2DConditionModel.from_config(unet).save_pretrained(out_dir / "unet")

    vae = dict(AutoencoderKL.load_config(source / "vae"))
    vae.update(
        down_block_types=vae["down_block_types"][:2],
        up_block_types=vae["up_block_types"][:2],
        block_out_channels=[c // 16 for c in vae["block_out_channels"][:2]],
        layers_per_block=1,
        norm_num_groups=4,
        sample_size=IMAGE_SIZE,
    )
    AutoencoderKL.from_config(vae).save_pretrained(out_dir / "vae")

    schedule = dict(DDIMScheduler.load_config(source / "scheduler"))
    schedule.pop("skip_prk_steps")  # PNDM's own option
    DDIMScheduler.from_config(schedule).save_pretrained(out_dir / "scheduler")

    checker_config = AutoConfig.from_pretrained(source / "safety_checker")
    scale_config(checker_config, hidden, settings["num_layers"])
    StableDiffusionSafetyChecker(checker_config).save_pretrained(out_dir / "safety_checker")
    copy_preprocessing(source / "feature_extractor", out_dir / "feature_extractor")
    update_json(
        out_dir / "feature_extractor" / "preprocessor_config.json",
        size={"shortest_edge": IMAGE_SIZE},
        crop_size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
    )

    copy_preprocessing(source / "tokenizer", out_dir / "tokenizer")
    update_json(out_dir / "tokenizer" / "tokenizer_config.json", model_max_length=CLIP_MAX_LENGTH)
    index = json.loads((source / "model_index.json").read_text())
    index["scheduler"] = ["diffusers", "DDIMScheduler"]
    (out_dir / "model_index.json").write_text(json.dumps(index, indent=2) + "\n")


BUILDERS: dict[str, Builder] = {
    "bert_sequence_classification": build_bert_sequence_classification,
    "bert_token_classification": build_bert_token_classification,
    "bert_question_answering": build_bert_question_answering,
    "bert_masked_lm": build_bert_masked_lm,
    "gpt2_causal_lm": build_gpt2_causal_lm,
    "bart_seq2seq": build_bart_seq2seq,
    "vit_image_classification": build_vit_image_classification,
    "detr_object_detection": build_detr_object_detection,
    "vit_gpt2_image_captioning": build_vit_gpt2_image_captioning,
    "stable_diffusion": build_stable_diffusion,
}


def build_tiny_model(settings: dict[str, Any], out_dir: Path) -> None:
    """Build the architecture named in `settings` with seeded random weights into `out_dir`."""
    torch.manual_seed(settings["seed"])
    BUILDERS[settings["architecture"]](settings, out_dir)
