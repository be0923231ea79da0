"""Tiny image captioners of the paper's families beyond ViT-GPT2: BLIP, GIT and BLIP-2 with OPT
or Flan-T5.

Each is saved as its Hub repos have it: the model, the image processor under the name the Hub's
repos give it (BLIP's own, CLIP's for GIT), and the tokenizer of its text side (BERT's WordPiece
for BLIP, with BLIP's [DEC] start token, and for GIT; OPT's byte-level BPE, or T5's SentencePiece
model, with an <image> token for BLIP-2, whose prompt is one image token per query token).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import transformers as t

from .builders import save_image_processor
from .text_families import SMALL, write_tokenizer

VISION = {
    "hidden_size": 16,
    "num_hidden_layers": 1,
    "num_attention_heads": 2,
    "intermediate_size": 32,
    "image_size": 32,
    "patch_size": 8,
}
TEXT = {**SMALL, "max_position_embeddings": 64}
SQUARE = {"height": 32, "width": 32}
CAPTIONERS = ("blip", "git", "blip-2", "blip-2-t5")


def tokenizer(layout: str, folder: Path, **tokenizer_config: object) -> Any:
    """The shipped `layout` tokenizer written into `folder` (text_families.write_tokenizer),
    loaded."""
    write_tokenizer(layout, tokenizer_config, folder)
    return t.AutoTokenizer.from_pretrained(folder)


def build(folder: Path, family: str) -> tuple[Any, Any]:
    """The model and image processor of `family`; writes the tokenizer into `folder`."""
    if family == "blip":
        text_tokenizer = tokenizer(
            "bert-base-uncased", folder, tokenizer_class="BertTokenizer", do_lower_case=True
        )
        text_tokenizer.add_special_tokens({"bos_token": "[DEC]"})
        text_tokenizer.save_pretrained(folder)
        ids = {
            "bos_token_id": text_tokenizer.bos_token_id,
            "pad_token_id": text_tokenizer.pad_token_id,
            "sep_token_id": text_tokenizer.sep_token_id,
            "eos_token_id": text_tokenizer.sep_token_id,
        }
        text = {**TEXT, "intermediate_size": 32, "vocab_size": len(text_tokenizer), **ids}
        config = t.BlipConfig(
            text_config=text, vision_config=VISION, projection_dim=16, image_text_hidden_size=16
        )
        return t.BlipForConditionalGeneration(config), t.BlipImageProcessor(size=SQUARE)
    if family == "git":
        text_tokenizer = tokenizer(
            "bert-base-uncased", folder, tokenizer_class="BertTokenizer", do_lower_case=True
        )
        config = t.GitConfig(
            vision_config=VISION,
            vocab_size=len(text_tokenizer),
            intermediate_size=32,
            bos_token_id=text_tokenizer.cls_token_id,
            eos_token_id=text_tokenizer.sep_token_id,
            pad_token_id=text_tokenizer.pad_token_id,
            **TEXT,
        )
        processor = t.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size=SQUARE)
        return t.GitForCausalLM(config), processor
    if family == "blip-2-t5":
        text_tokenizer = tokenizer("t5.spiece.model", folder, tokenizer_class="T5Tokenizer")
        language_model = {
            "model_type": "t5",
            "d_model": 16,
            "d_kv": 8,
            "d_ff": 32,
            "num_layers": 1,
            "num_heads": 2,
            "feed_forward_proj": "gated-gelu",
            "decoder_start_token_id": text_tokenizer.pad_token_id,
            # T5 has no BOS; BLIP-2's generate starts its prompt with one, and the converted
            # checkpoints name T5's EOS (transformers' convert_blip_2_original_to_pytorch.py).
            "bos_token_id": text_tokenizer.eos_token_id,
        }
    else:
        text_tokenizer = tokenizer(
            "bart",
            folder,
            tokenizer_class="GPT2Tokenizer",
            bos_token="</s>",
            eos_token="</s>",
            unk_token="<unk>",
            pad_token="<pad>",
        )
        language_model = {**TEXT, "model_type": "opt", "ffn_dim": 32, "word_embed_proj_dim": 16}
    text_tokenizer.add_tokens(["<image>"], special_tokens=True)
    text_tokenizer.save_pretrained(folder)
    text = {
        "vocab_size": len(text_tokenizer),
        "bos_token_id": text_tokenizer.bos_token_id,
        "eos_token_id": text_tokenizer.eos_token_id,
        "pad_token_id": text_tokenizer.pad_token_id,
        **language_model,
    }
    qformer = {**TEXT, "intermediate_size": 32, "encoder_hidden_size": 16, "vocab_size": 100}
    config = t.Blip2Config(
        vision_config=VISION,
        qformer_config=qformer,
        text_config=text,
        num_query_tokens=4,
        image_token_index=text_tokenizer.convert_tokens_to_ids("<image>"),
    )
    return t.Blip2ForConditionalGeneration(config), t.BlipImageProcessor(size=SQUARE)


def tiny_captioner(folder: Path, family: str) -> dict[str, bytes | Path]:
    """A tiny captioner of `family` (CAPTIONERS) saved into `folder`, as {path in repo: file}."""
    torch.manual_seed(0)
    model, processor = build(folder, family)
    model.save_pretrained(folder)
    save_image_processor(processor, folder)
    return {path.name: path for path in sorted(folder.iterdir())}
