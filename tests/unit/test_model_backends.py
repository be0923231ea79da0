"""Backends that transformers loads only for some of the paper's models, proven on small models
built here (no hub): tokenizers shipped as a SentencePiece model alone (Flan-T5, XLM-RoBERTa;
hub audit F7) need sentencepiece and protobuf; DETR checkpoints whose config names a timm
backbone (facebook/detr-resnet-50; F3) need timm, pinned for GPU machines only
(requirements-gpu.txt says why)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from hub_replica.builders import sentencepiece_model
from transformers import AutoModelForObjectDetection, AutoTokenizer, DetrConfig

TEXT = "energy per inference"


def sentencepiece_repository(directory: Path, file: str, model: bytes, config: dict) -> Path:
    """A tokenizer folder as such hub repositories ship it: the model, a tokenizer_config.json,
    and no tokenizer.json for transformers to read instead."""
    directory.mkdir()
    (directory / file).write_bytes(model)
    (directory / "tokenizer_config.json").write_text(json.dumps(config))
    return directory


def test_a_t5_tokenizer_shipped_as_spiece_model_loads(tmp_path):
    # T5's layout: <pad> 0, </s> 1, <unk> 2, no <s>; unigram pieces.
    model = sentencepiece_model(pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    config = {"tokenizer_class": "T5Tokenizer", "extra_ids": 0}
    folder = sentencepiece_repository(tmp_path / "t5", "spiece.model", model, config)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(TEXT).input_ids
    assert ids[-1] == tokenizer.eos_token_id == 1
    assert tokenizer.pad_token_id == 0
    assert tokenizer.convert_ids_to_tokens(ids)[0].startswith("▁")
    assert tokenizer.decode(ids, skip_special_tokens=True) == TEXT


def test_an_xlm_roberta_tokenizer_shipped_as_sentencepiece_bpe_model_loads(tmp_path):
    import sentencepiece

    # SentencePiece's default layout (<unk> 0, <s> 1, </s> 2), as XLM-R's file has it; BPE.
    model = sentencepiece_model(model_type="bpe")
    config = {"tokenizer_class": "XLMRobertaTokenizer"}
    folder = sentencepiece_repository(tmp_path / "xlmr", "sentencepiece.bpe.model", model, config)
    tokenizer = AutoTokenizer.from_pretrained(folder)
    ids = tokenizer(TEXT).input_ids
    assert (ids[0], ids[-1]) == (tokenizer.bos_token_id, tokenizer.eos_token_id) == (0, 2)
    # fairseq's dictionary: each SentencePiece id shifted by one, after <s> <pad> </s> <unk>.
    processor = sentencepiece.SentencePieceProcessor(model_proto=model)
    pieces = processor.encode(TEXT, out_type=str)
    assert tokenizer.convert_ids_to_tokens(ids[1:-1]) == pieces
    assert ids[1:-1] == [processor.piece_to_id(piece) + 1 for piece in pieces]
    assert tokenizer.decode(ids, skip_special_tokens=True) == TEXT


@pytest.mark.slow  # 3-4 s where timm is installed, 2 s of it importing timm and torchvision
def test_a_detr_with_a_timm_backbone_builds_and_runs():
    # facebook/detr-resnet-50's config names timm's resnet50 (use_timm_backbone, the default);
    # resnet18 here, nothing pretrained, a small transformer on top.
    config = DetrConfig(
        use_timm_backbone=True,
        backbone="resnet18",
        use_pretrained_backbone=False,
        d_model=32,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=64,
        decoder_ffn_dim=64,
        num_queries=5,
        num_labels=2,
    )
    assert config.backbone_config.model_type == "timm_backbone"
    assert config.backbone_config.use_pretrained_backbone is False  # nothing is downloaded
    pytest.importorskip(
        "timm", reason="timm is pinned for GPU machines (requirements-gpu.txt), not installed here"
    )
    torch.manual_seed(0)
    model = AutoModelForObjectDetection.from_config(config).eval()
    assert type(model.model.backbone.model).__module__.startswith("timm.")  # timm's ResNet
    with torch.no_grad():
        out = model(pixel_values=torch.rand(1, 3, 64, 96))
    assert out.logits.shape == (1, 5, 3)  # two labels and "no object"
    assert out.pred_boxes.shape == (1, 5, 4)
