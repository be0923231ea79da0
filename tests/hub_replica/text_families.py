"""Tiny text models of the paper's text families, with the tokenizer files their Hub repos ship.

One entry per model_type of the paper's text models: the config class with small sizes, and how
the repo's tokenizer is laid out. The tokenizer decides what transformers
must do to load the repo, so it is the real one's kind:

- a byte-level BPE (vocab.json + merges.txt) under the class the repo names (RoBERTa, DeBERTa,
  LED, OPT, GPT-Neo), from the shipped BART and GPT-2 vocabularies;
- a byte-level BPE under the model's own class (GPT-2, BART), from the shipped vocabularies;
- BERT's WordPiece (vocab.txt) for BERT, DistilBERT and ELECTRA;
- only a SentencePiece model, no tokenizer.json (XLM-RoBERTa, ALBERT, DeBERTa-v2, Pegasus):
  transformers converts it with sentencepiece and protobuf;
- only a tokenizer.json (BLOOM);
- BERTweet's fastBPE files (vocab.txt + bpe.codes), read by its Python tokenizer.

The config's vocabulary is the loaded tokenizer's length, so every id it emits has an embedding.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
import transformers

from powerhungry.models.tiny import ARCHITECTURES

from .builders import CORPUS, sentencepiece_model

TOKENIZERS = ARCHITECTURES / "tokenizers"
# Sizes every family gets under transformers' standard names (attribute_map translates them).
SMALL = {"hidden_size": 16, "num_hidden_layers": 1, "num_attention_heads": 2}
SEQ2SEQ = {
    "encoder_layers": 1,
    "decoder_layers": 1,
    "encoder_attention_heads": 2,
    "decoder_attention_heads": 2,
    "encoder_ffn_dim": 32,
    "decoder_ffn_dim": 32,
}
SPECIALS_BPE = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}

# Family (the model_type, but for BERTweet, a RoBERTa) -> (tokenizer layout,
# tokenizer_config.json, config sizes beyond SMALL).
TEXT_FAMILIES: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "bert": (
        "bert-base-uncased",
        {"tokenizer_class": "BertTokenizer", "do_lower_case": True},
        {"intermediate_size": 32, "max_position_embeddings": 128},
    ),
    "distilbert": (
        "bert-base-uncased",
        {"tokenizer_class": "DistilBertTokenizer", "do_lower_case": True},
        {"hidden_dim": 32, "max_position_embeddings": 128},
    ),
    "gpt2": ("gpt2", {"tokenizer_class": "GPT2Tokenizer"}, {"n_inner": 32, "n_positions": 128}),
    "bart": (
        "bart",
        {"tokenizer_class": "BartTokenizer", **SPECIALS_BPE, "mask_token": "<mask>"},
        {**SEQ2SEQ, "max_position_embeddings": 128},
    ),
    "roberta": (
        "bart",
        {"tokenizer_class": "RobertaTokenizer", **SPECIALS_BPE, "mask_token": "<mask>"},
        {"intermediate_size": 32, "max_position_embeddings": 130, "pad_token_id": 1},
    ),
    "deberta": (
        "bart",
        {"tokenizer_class": "DebertaTokenizer", **SPECIALS_BPE, "mask_token": "<mask>"},
        {"intermediate_size": 32, "max_position_embeddings": 128},
    ),
    "led": (
        "bart",
        {"tokenizer_class": "LEDTokenizer", **SPECIALS_BPE, "mask_token": "<mask>"},
        {
            **SEQ2SEQ,
            "max_encoder_position_embeddings": 128,
            "max_decoder_position_embeddings": 128,
            "attention_window": [4],
        },
    ),
    "opt": (
        "bart",
        {"tokenizer_class": "GPT2Tokenizer", **SPECIALS_BPE, "bos_token": "</s>"},
        {"ffn_dim": 32, "word_embed_proj_dim": 16, "max_position_embeddings": 128},
    ),
    "gpt_neo": (
        "gpt2",
        {"tokenizer_class": "GPT2Tokenizer"},
        {"attention_types": [[["global"], 1]], "max_position_embeddings": 128},
    ),
    "electra": (
        "bert-base-uncased",
        {"tokenizer_class": "ElectraTokenizer", "do_lower_case": True},
        {"intermediate_size": 32, "embedding_size": 16, "max_position_embeddings": 128},
    ),
    "xlm-roberta": (
        "sentencepiece.bpe.model",
        {"tokenizer_class": "XLMRobertaTokenizer"},
        {"intermediate_size": 32, "max_position_embeddings": 130, "pad_token_id": 1},
    ),
    "albert": (
        "spiece.model",
        {"tokenizer_class": "AlbertTokenizer", "do_lower_case": True},
        {"intermediate_size": 32, "embedding_size": 16, "max_position_embeddings": 128},
    ),
    "deberta-v2": (
        "spm.model",
        {"tokenizer_class": "DebertaV2Tokenizer"},
        {"intermediate_size": 32, "max_position_embeddings": 128, "position_buckets": 16},
    ),
    "pegasus": (
        "t5.spiece.model",
        {"tokenizer_class": "PegasusTokenizer"},
        {**SEQ2SEQ, "max_position_embeddings": 128},
    ),
    "bloom": ("tokenizer.json", {"tokenizer_class": "BloomTokenizerFast", **SPECIALS_BPE}, {}),
    "bertweet": (
        "bertweet",
        {"tokenizer_class": "BertweetTokenizer"},
        {"intermediate_size": 32, "max_position_embeddings": 130, "pad_token_id": 1},
    ),
}
# SentencePiece special-piece layouts of the repos that ship only a SentencePiece model.
SENTENCEPIECE = {
    "sentencepiece.bpe.model": {"bos_id": 0, "pad_id": 1, "eos_id": 2, "unk_id": 3},
    "spiece.model": {
        "pad_id": 0,
        "unk_id": 1,
        "bos_id": 2,
        "eos_id": 3,
        "bos_piece": "[CLS]",
        "eos_piece": "[SEP]",
        "user_defined_symbols": "[MASK]",
    },
    "spm.model": {
        "pad_id": 0,
        "bos_id": 1,
        "eos_id": 2,
        "unk_id": 3,
        "pad_piece": "[PAD]",
        "bos_piece": "[CLS]",
        "eos_piece": "[SEP]",
        "unk_piece": "[UNK]",
    },
    # T5's, which Pegasus shares: no BOS.
    "t5.spiece.model": {"pad_id": 0, "eos_id": 1, "unk_id": 2, "bos_id": -1},
}


def write_tokenizer(layout: str, tokenizer_config: dict[str, Any], folder: Path) -> None:
    """The tokenizer files of `layout` (see TEXT_FAMILIES) and tokenizer_config.json."""
    folder.mkdir(parents=True, exist_ok=True)
    if (TOKENIZERS / layout).is_dir():
        for name in ("vocab.json", "merges.txt", "vocab.txt"):
            if (TOKENIZERS / layout / name).exists():
                shutil.copyfile(TOKENIZERS / layout / name, folder / name)
    elif layout in SENTENCEPIECE:
        name = layout.removeprefix("t5.")
        (folder / name).write_bytes(sentencepiece_model(**SENTENCEPIECE[layout]))
    elif layout == "tokenizer.json":
        write_bpe_tokenizer_json(folder / layout)
    else:  # BERTweet: fastBPE codes and vocabulary, one piece per character
        characters = sorted({c for line in CORPUS for c in line if not c.isspace()})
        pieces = [f"{c}@@" for c in characters] + characters
        (folder / "vocab.txt").write_text("".join(f"{piece} 1\n" for piece in pieces))
        (folder / "bpe.codes").write_text("t h 1\n")
    (folder / "tokenizer_config.json").write_text(
        json.dumps({**tokenizer_config, "model_max_length": 128}, indent=1)
    )


def write_bpe_tokenizer_json(path: Path) -> None:
    """A byte-level BPE tokenizer.json trained on CORPUS, BLOOM's special tokens first."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE(unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300,
        special_tokens=["<unk>", "<s>", "</s>", "<pad>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(CORPUS, trainer)
    tokenizer.save(str(path))


def tiny_text_model(folder: Path, family: str, task: str) -> dict[str, bytes | Path]:
    """A tiny model of `family` (TEXT_FAMILIES) with the head of `task`'s Auto class (the
    runner's), its tokenizer files as the family's repos lay them out, in `folder`."""
    from powerhungry.tasks import TASKS, load

    layout, tokenizer_config, sizes = TEXT_FAMILIES[family]
    write_tokenizer(layout, tokenizer_config, folder)
    tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
    special_ids = {
        name: getattr(tokenizer, name)
        for name in ("pad_token_id", "bos_token_id", "eos_token_id")
        if getattr(tokenizer, name) is not None
    }
    if "encoder_layers" in sizes:  # seq2seq: decoding starts with </s>, as BART's does
        special_ids["decoder_start_token_id"] = tokenizer.eos_token_id
    model_type = "roberta" if family == "bertweet" else family
    config = transformers.AutoConfig.for_model(
        model_type, **{**special_ids, **SMALL, **sizes, "vocab_size": len(tokenizer)}
    )
    runner = load(TASKS[task].runner, "powerhungry.tasks")
    torch.manual_seed(0)
    runner.auto_model.from_config(config).save_pretrained(folder)
    return {path.name: path for path in sorted(folder.iterdir())}
