"""Tiny random-weight models with locally trained tokenizers: the embedded demo needs no hub.

Energy figures of these models say nothing about real models; they exist so that the whole
workflow (load, tokenize, run, measure) runs on any machine in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
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
    BertForSequenceClassification,
    BertTokenizerFast,
    GPT2Config,
    GPT2LMHeadModel,
    PreTrainedTokenizerFast,
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


def build_bert_sequence_classification(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = wordpiece_tokenizer()
    labels = list(settings["labels"])
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=settings["hidden_size"],
        num_hidden_layers=settings["num_layers"],
        num_attention_heads=2,
        intermediate_size=2 * settings["hidden_size"],
        max_position_embeddings=MAX_LENGTH,
        pad_token_id=tokenizer.pad_token_id,
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    BertForSequenceClassification(config).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


def build_gpt2_causal_lm(settings: dict[str, Any], out_dir: Path) -> None:
    tokenizer = byte_level_bpe_tokenizer()
    config = GPT2Config(
        vocab_size=len(tokenizer),
        n_positions=MAX_LENGTH,
        n_embd=settings["hidden_size"],
        n_layer=settings["num_layers"],
        n_head=2,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)


BUILDERS: dict[str, Callable[[dict[str, Any], Path], None]] = {
    "bert_sequence_classification": build_bert_sequence_classification,
    "gpt2_causal_lm": build_gpt2_causal_lm,
}


def build_tiny_model(settings: dict[str, Any], out_dir: Path) -> None:
    """Build the architecture named in `settings` with seeded random weights into `out_dir`."""
    torch.manual_seed(settings["seed"])
    BUILDERS[settings["architecture"]](settings, out_dir)
