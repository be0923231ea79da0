"""Tiny random-weight models with locally trained tokenizers: the embedded demo needs no hub.

Energy figures of these models say nothing about real models; they exist so that the whole
workflow (load, tokenize, run, measure) runs on any machine in seconds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch
import transformers
from tokenizers import (
    Tokenizer,
    decoders,
    models,
    normalizers,
    pre_tokenizers,
    processors,
    trainers,
)
from transformers import (
    BertConfig,
    BertForMaskedLM,
    BertForQuestionAnswering,
    BertForSequenceClassification,
    BertForTokenClassification,
    BertTokenizerFast,
    CLIPTextConfig,
    CLIPTextModel,
    CLIPTokenizer,
    DetrConfig,
    DetrForObjectDetection,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
    ResNetConfig,
    T5Config,
    T5ForConditionalGeneration,
    VisionEncoderDecoderModel,
    ViTConfig,
    ViTForImageClassification,
    ViTModel,
)

# The tokenizers learn their vocabulary from this text; the demo datasets use similar words.
CORPUS = [
    "the quick brown fox jumps over the lazy dog",
    "this movie was great and i loved every minute of it",
    "this film was terrible , boring and far too long",
    "a wonderful story with brilliant acting and a moving score",
    "the plot made no sense and the dialogue was awful",
    "machine learning models consume energy every time they run inference",
    "data centres draw power from the grid and emit carbon",
    "paris is the capital of france and berlin is the capital of germany",
    "the committee published its report on energy use last week",
    "researchers measured the cost of deploying large language models",
] * 10
MAX_LENGTH = 128
VOCAB_SIZE = 400
# Attention heads are fixed so that any even hidden_size from the settings divides evenly.
NUM_HEADS = 2
IMAGE_SIZE = 32
PATCH_SIZE = 8
# DETR resizes by edge length; 64 keeps a few feature-map cells after the backbone's strides.
DETECTION_EDGE = 64
# Stable Diffusion prompts are short; a short CLIP context keeps the text encoder tiny.
CLIP_MAX_LENGTH = 16

Builder = Callable[[dict[str, Any], Path], None]


# ---------------------------------------------------------------- tokenizers


def wordpiece_tokenizer() -> BertTokenizerFast:
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        CORPUS, trainers.WordPieceTrainer(vocab_size=VOCAB_SIZE, special_tokens=specials)
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[(t, tokenizer.token_to_id(t)) for t in ("[CLS]", "[SEP]")],
    )
    tokenizer.decoder = decoders.WordPiece()
    return BertTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=MAX_LENGTH,
    )


def byte_level_bpe_tokenizer() -> PreTrainedTokenizerFast:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(
            vocab_size=VOCAB_SIZE,
            special_tokens=["<|endoftext|>"],
            initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        ),
    )
    eos = "<|endoftext|>"
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=eos,
        eos_token=eos,
        unk_token=eos,
        pad_token=eos,
        model_max_length=MAX_LENGTH,
        model_input_names=["input_ids", "attention_mask"],
    )


def unigram_tokenizer() -> PreTrainedTokenizerFast:
    """T5-style: SentencePiece-like unigram pieces, every sequence ends in </s>."""
    tokenizer = Tokenizer(models.Unigram())
    tokenizer.normalizer = normalizers.NFKC()
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace()
    tokenizer.decoder = decoders.Metaspace()
    tokenizer.train_from_iterator(
        CORPUS,
        trainers.UnigramTrainer(
            vocab_size=VOCAB_SIZE, special_tokens=["<pad>", "</s>", "<unk>"], unk_token="<unk>"
        ),
    )
    tokenizer.post_processor = processors.TemplateProcessing(
        single="$A </s>",
        pair="$A </s> $B </s>",
        special_tokens=[("</s>", tokenizer.token_to_id("</s>"))],
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        pad_token="<pad>",
        eos_token="</s>",
        unk_token="<unk>",
        model_max_length=MAX_LENGTH,
        # T5 has no segment embeddings; generate() rejects token_type_ids.
        model_input_names=["input_ids", "attention_mask"],
    )


def clip_tokenizer() -> CLIPTokenizer:
    """CLIP-style BPE: words end in "</w>", and CLIPTokenizer rebuilds the pipeline itself."""
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    tokenizer = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(
                r"""'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                behavior="removed",
                invert=True,
            ),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tokenizer.train_from_iterator(
        CORPUS,
        trainers.BpeTrainer(
            vocab_size=VOCAB_SIZE,
            special_tokens=["<|startoftext|>", "<|endoftext|>"],
            initial_alphabet=alphabet,
            end_of_word_suffix="</w>",
        ),
    )
    # CLIPTokenizer looks up every byte character, with and without "</w>", so unseen
    # characters need vocabulary entries too.
    vocab = tokenizer.get_vocab()
    for token in (t for ch in sorted(alphabet) for t in (ch, ch + "</w>")):
        vocab.setdefault(token, len(vocab))
    merges = json.loads(tokenizer.to_str())["model"]["merges"]
    # tokenizers writes merges as pairs (newer) or "a b" strings (older).
    pairs = [tuple(m) if isinstance(m, list) else tuple(m.split(" ")) for m in merges]
    return CLIPTokenizer(vocab=vocab, merges=pairs, model_max_length=CLIP_MAX_LENGTH)


# ---------------------------------------------------------------- shared pieces


def label_maps(labels: Sequence[str]) -> dict[str, dict]:
    """id2label/label2id config kwargs, so that pipelines report label names, not LABEL_i."""
    return {
        "id2label": dict(enumerate(labels)),
        "label2id": {label: i for i, label in enumerate(labels)},
    }


def bert_config(tokenizer: BertTokenizerFast, settings: dict[str, Any], **extra: Any) -> BertConfig:
    return BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=settings["hidden_size"],
        num_hidden_layers=settings["num_layers"],
        num_attention_heads=NUM_HEADS,
        intermediate_size=2 * settings["hidden_size"],
        max_position_embeddings=MAX_LENGTH,
        pad_token_id=tokenizer.pad_token_id,
        **extra,
    )


def gpt2_config(
    tokenizer: PreTrainedTokenizerFast, settings: dict[str, Any], **extra: Any
) -> GPT2Config:
    return GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=MAX_LENGTH,
        n_embd=settings["hidden_size"],
        n_layer=settings["num_layers"],
        n_head=NUM_HEADS,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        **extra,
    )


def vit_config(settings: dict[str, Any], **extra: Any) -> ViTConfig:
    return ViTConfig(
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        num_channels=3,
        hidden_size=settings["hidden_size"],
        num_hidden_layers=settings["num_layers"],
        num_attention_heads=NUM_HEADS,
        intermediate_size=2 * settings["hidden_size"],
        **extra,
    )


def image_processor_class(name: str) -> type:
    """The PIL variant where transformers has one: the torchvision default needs torchvision."""
    return getattr(transformers, f"{name}Pil", None) or getattr(transformers, name)


def vit_image_processor() -> Any:
    return image_processor_class("ViTImageProcessor")(
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE}
    )


def save_all(out_dir: Path, *parts: Any) -> None:
    """Model, tokenizer and processor share one directory, as hub checkpoints do."""
    for part in parts:
        part.save_pretrained(out_dir)


# ---------------------------------------------------------------- text models


def build_bert_sequence_classification(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = wordpiece_tokenizer()
    config = bert_config(tokenizer, settings, **label_maps(settings["labels"]))
    save_all(out_dir, BertForSequenceClassification(config), tokenizer)


def build_bert_token_classification(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = wordpiece_tokenizer()
    config = bert_config(tokenizer, settings, **label_maps(settings["labels"]))
    save_all(out_dir, BertForTokenClassification(config), tokenizer)


def build_bert_question_answering(settings: dict[str, Any], out_dir: Path) -> None:
    # Extractive QA predicts span starts and ends; settings["labels"] has no meaning here.
    tokenizer = wordpiece_tokenizer()
    save_all(out_dir, BertForQuestionAnswering(bert_config(tokenizer, settings)), tokenizer)


def build_bert_masked_lm(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = wordpiece_tokenizer()
    save_all(out_dir, BertForMaskedLM(bert_config(tokenizer, settings)), tokenizer)


def build_gpt2_causal_lm(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = byte_level_bpe_tokenizer()
    save_all(out_dir, GPT2LMHeadModel(gpt2_config(tokenizer, settings)), tokenizer)


def build_t5_seq2seq(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = unigram_tokenizer()
    hidden = settings["hidden_size"]
    config = T5Config(
        vocab_size=len(tokenizer),
        d_model=hidden,
        d_kv=hidden // NUM_HEADS,
        d_ff=2 * hidden,
        num_layers=settings["num_layers"],
        num_decoder_layers=settings["num_layers"],
        num_heads=NUM_HEADS,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        # T5 starts decoding from the pad token.
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    save_all(out_dir, T5ForConditionalGeneration(config), tokenizer)


# ---------------------------------------------------------------- image models


def build_vit_image_classification(settings: dict[str, Any], out_dir: Path) -> None:
    config = vit_config(settings, **label_maps(settings["labels"]))
    save_all(out_dir, ViTForImageClassification(config), vit_image_processor())


def build_detr_object_detection(settings: dict[str, Any], out_dir: Path) -> None:
    # A transformers-native ResNet: timm is not needed and no pretrained weights are fetched.
    backbone = ResNetConfig(
        num_channels=3,
        embedding_size=8,
        hidden_sizes=[8, 16],
        depths=[1, 1],
        layer_type="basic",
        out_features=["stage2"],
    )
    config = DetrConfig(
        use_timm_backbone=False,
        backbone_config=backbone,
        use_pretrained_backbone=False,
        d_model=settings["hidden_size"],
        encoder_layers=settings["num_layers"],
        decoder_layers=settings["num_layers"],
        encoder_attention_heads=NUM_HEADS,
        decoder_attention_heads=NUM_HEADS,
        encoder_ffn_dim=2 * settings["hidden_size"],
        decoder_ffn_dim=2 * settings["hidden_size"],
        num_queries=10,
        **label_maps(settings["labels"]),
    )
    processor = image_processor_class("DetrImageProcessor")(
        size={"shortest_edge": DETECTION_EDGE, "longest_edge": DETECTION_EDGE}
    )
    save_all(out_dir, DetrForObjectDetection(config), processor)


def build_vit_gpt2_image_captioning(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = byte_level_bpe_tokenizer()
    encoder = ViTModel(vit_config(settings), add_pooling_layer=False)
    decoder = GPT2LMHeadModel(
        gpt2_config(tokenizer, settings, add_cross_attention=True, is_decoder=True)
    )
    model = VisionEncoderDecoderModel(encoder=encoder, decoder=decoder)
    # The composite config does not inherit the decoder's special tokens, and generate()
    # cannot start without a decoder_start_token_id.
    special = {
        "decoder_start_token_id": tokenizer.bos_token_id,
        "pad_token_id": tokenizer.pad_token_id,
        "eos_token_id": tokenizer.eos_token_id,
    }
    for target in (model.config, model.generation_config):
        for key, value in special.items():
            setattr(target, key, value)
    save_all(out_dir, model, tokenizer, vit_image_processor())


# ---------------------------------------------------------------- diffusion


def build_stable_diffusion(settings: dict[str, Any], out_dir: Path) -> None:
    # diffusers is imported here: it is slow to import and only this architecture needs it.
    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )

    # Fixed sizes: UNet, VAE and text encoder must agree with each other, not with the settings.
    tokenizer = clip_tokenizer()
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            vocab_size=len(tokenizer),
            hidden_size=32,
            intermediate_size=64,
            num_attention_heads=NUM_HEADS,
            num_hidden_layers=2,
            max_position_embeddings=tokenizer.model_max_length,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id,
            projection_dim=32,
        )
    )
    # Two VAE blocks halve the resolution once, so 16x16 latents decode to 32x32 images.
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=IMAGE_SIZE // 2,
        in_channels=4,
        out_channels=4,
        down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
        up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"),
        cross_attention_dim=32,
        attention_head_dim=4,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=IMAGE_SIZE,
    )
    # Stable Diffusion v1's schedule.
    scheduler = DDIMScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        clip_sample=False,
        set_alpha_to_one=False,
        steps_offset=1,
    )
    pipeline = StableDiffusionPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipeline.save_pretrained(out_dir)


BUILDERS: dict[str, Builder] = {
    "bert_sequence_classification": build_bert_sequence_classification,
    "bert_token_classification": build_bert_token_classification,
    "bert_question_answering": build_bert_question_answering,
    "bert_masked_lm": build_bert_masked_lm,
    "gpt2_causal_lm": build_gpt2_causal_lm,
    "t5_seq2seq": build_t5_seq2seq,
    "vit_image_classification": build_vit_image_classification,
    "detr_object_detection": build_detr_object_detection,
    "vit_gpt2_image_captioning": build_vit_gpt2_image_captioning,
    "stable_diffusion": build_stable_diffusion,
}


def build_tiny_model(settings: dict[str, Any], out_dir: Path) -> None:
    """Build the architecture named in `settings` with seeded random weights into `out_dir`."""
    torch.manual_seed(settings["seed"])
    BUILDERS[settings["architecture"]](settings, out_dir)
