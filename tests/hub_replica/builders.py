"""The files of the repos tests publish on the replica, laid out as today's Hub has them.

Each builder returns {path in repo: content} for `HubReplica.add_dataset`/`add_model`.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch
import yaml
from datasets import ClassLabel, Dataset, Features, Value
from safetensors.torch import load_file

from powerhungry.models.tiny import build_tiny_model

from .store import LFS_SUFFIXES

# Movie reviews with a ClassLabel, as stanfordnlp/imdb has them.
REVIEW_FEATURES = Features({"text": Value("string"), "label": ClassLabel(names=["neg", "pos"])})
REVIEWS = {
    "train": {"text": ["a fine film", "dull and long", "loved it"], "label": [1, 0, 1]},
    "test": {"text": ["great movie", "terrible film", "not bad"], "label": [1, 0, 1]},
}
# The lines of the .gitattributes every Hub repo is created with that the replica's files need.
GITATTRIBUTES = "".join(
    f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in sorted(LFS_SUFFIXES)
).encode()


def parquet(columns: dict[str, list], features: Features) -> bytes:
    """A parquet file as `datasets` writes it (push_to_hub, the Hub's parquet export): the
    features, ClassLabel names included, are kept in the schema metadata."""
    buffer = io.BytesIO()
    pq.write_table(Dataset.from_dict(columns, features=features).data.table, buffer)
    return buffer.getvalue()


def readme(header: dict) -> bytes:
    """A dataset card: the YAML header the Hub and `datasets` read, and a line of prose."""
    return f"---\n{yaml.safe_dump(header, sort_keys=False)}---\n\nA replica dataset.\n".encode()


def dataset_info(config: str, features: Features) -> dict:
    """The card's `dataset_info` entry of one config."""
    return {"config_name": config, "features": features._to_yaml_list()}


def parquet_dataset(
    config: str = "plain_text",
    splits: dict[str, dict[str, list]] = REVIEWS,
    features: Features = REVIEW_FEATURES,
) -> dict[str, bytes]:
    """A data-only dataset repo: one parquet file per split under `{config}/`, and a README
    whose `configs:` maps the splits to them and whose `dataset_info` declares the features."""
    files = {".gitattributes": GITATTRIBUTES}
    data_files = []
    for split, columns in splits.items():
        path = f"{config}/{split}-00000-of-00001.parquet"
        files[path] = parquet(columns, features)
        data_files.append({"split": split, "path": f"{config}/{split}-*"})
    header = {
        "configs": [{"config_name": config, "data_files": data_files}],
        "dataset_info": dataset_info(config, features),
    }
    return {**files, "README.md": readme(header)}


def script_dataset(
    name: str,
    config: str = "plain_text",
    splits: dict[str, dict[str, list]] = REVIEWS,
    features: Features = REVIEW_FEATURES,
) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """A dataset that still has a loading script on main, and the Hub's parquet export of it.

    Main: `{name}.py` and a README with `dataset_info` only (no `configs:`), as script datasets
    have. The export (branch `refs/convert/parquet`, written by the dataset viewer from an empty
    commit): `.gitattributes` and `{config}/{split}/0000.parquet`, one folder per config of the
    script. Returns (main files, export files).
    """
    script = f'''"""{name}: a loading script, as datasets before 4.0 ran them."""
import datasets

class Replica(datasets.GeneratorBasedBuilder):
    BUILDER_CONFIGS = [datasets.BuilderConfig(name="{config}")]
'''
    main = {
        ".gitattributes": GITATTRIBUTES,
        f"{name}.py": script.encode(),
        "README.md": readme({"dataset_info": dataset_info(config, features)}),
    }
    export = {".gitattributes": GITATTRIBUTES}
    for split, columns in splits.items():
        export[f"{config}/{split}/0000.parquet"] = parquet(columns, features)
    return main, export


def tiny_model(folder: Path) -> dict[str, bytes | Path]:
    """A tiny DistilBERT sentiment classifier (real WordPiece tokenizer, hidden size 16, one
    layer: `model.safetensors` of 2 MB) built into `folder`, plus the weight files real repos of
    that age also carry: a `pytorch_model.bin` duplicate of the same weights, and Flax,
    TensorFlow and ONNX exports (stand-in bytes; v5 clients must never fetch them)."""
    settings = {
        "architecture": "bert_sequence_classification",
        "hidden_size": 16,
        "num_layers": 1,
        "labels": ["NEGATIVE", "POSITIVE"],
        "seed": 0,
    }
    build_tiny_model(settings, folder)
    weights = io.BytesIO()
    torch.save(load_file(folder / "model.safetensors"), weights)
    files: dict[str, bytes | Path] = {path.name: path for path in sorted(folder.iterdir())}
    return {
        **files,
        ".gitattributes": GITATTRIBUTES,
        "pytorch_model.bin": weights.getvalue(),
        "flax_model.msgpack": b"\x00" * 4096,
        "tf_model.h5": b"\x00" * 4096,
        "model.onnx": b"\x00" * 4096,
    }


CORPUS = [
    "energy per inference varies by orders of magnitude across tasks",
    "the plot made no sense and the acting was awful",
    "this movie was great and the music even better",
    "paris is the capital of france and berlin is the capital of germany",
    "summarize the following dialogue between two friends planning a trip",
    "image generation is the most energy intensive task we measured",
]


def sentencepiece_model(**layout: int) -> bytes:
    """A SentencePiece model trained on CORPUS (about 100 pieces), with `layout`'s special ids."""
    import sentencepiece

    model = io.BytesIO()
    sentencepiece.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS * 10),
        model_writer=model,
        vocab_size=100,
        hard_vocab_limit=False,
        character_coverage=1.0,
        minloglevel=2,
        **layout,
    )
    return model.getvalue()


def tiny_t5(folder: Path) -> dict[str, bytes | Path]:
    """A tiny Flan-T5 (T5ForConditionalGeneration, d_model 16, one layer each side) whose
    tokenizer is only a SentencePiece model (`spiece.model`, no tokenizer.json), as
    google/flan-t5-* ship it: loading it needs sentencepiece and protobuf."""
    import sentencepiece
    from transformers import T5Config, T5ForConditionalGeneration

    model = sentencepiece_model(pad_id=0, eos_id=1, unk_id=2, bos_id=-1)
    pieces = sentencepiece.SentencePieceProcessor(model_proto=model).get_piece_size()
    config = T5Config(
        vocab_size=pieces,
        d_model=16,
        d_kv=8,
        d_ff=32,
        num_layers=1,
        num_decoder_layers=1,
        num_heads=2,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
        feed_forward_proj="gated-gelu",
        tie_word_embeddings=False,
    )
    torch.manual_seed(0)
    T5ForConditionalGeneration(config).save_pretrained(folder)
    (folder / "spiece.model").write_bytes(model)
    tokenizer = {"tokenizer_class": "T5Tokenizer", "extra_ids": 0, "model_max_length": 512}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer))
    return {path.name: path for path in sorted(folder.iterdir())}


def _vision_families() -> dict[str, tuple[Any, Any, Any]]:
    """Per model_type: a small config, its Auto class and its image processor, as the paper's
    image classification and detection repos of that family have them."""
    import transformers as t

    two = {"num_labels": 2, "id2label": {0: "circle", 1: "square"}}
    vit_like = {"num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 32}
    square = {"height": 32, "width": 32}
    return {
        "resnet": (
            t.ResNetConfig(embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], **two),
            t.AutoModelForImageClassification,
            t.ConvNextImageProcessor(size={"shortest_edge": 32}),
        ),
        "beit": (
            t.BeitConfig(hidden_size=16, image_size=32, patch_size=8, **vit_like, **two),
            t.AutoModelForImageClassification,
            t.BeitImageProcessor(size=square, crop_size=square),
        ),
        "convnextv2": (
            t.ConvNextV2Config(num_stages=2, hidden_sizes=[8, 16], depths=[1, 1], **two),
            t.AutoModelForImageClassification,
            t.ConvNextImageProcessor(size={"shortest_edge": 32}),
        ),
        "mobilenet_v1": (
            t.MobileNetV1Config(depth_multiplier=0.25, image_size=32, **two),
            t.AutoModelForImageClassification,
            t.MobileNetV1ImageProcessor(size={"shortest_edge": 32}, crop_size=square),
        ),
        "yolos": (
            t.YolosConfig(
                hidden_size=16,
                image_size=[32, 32],
                patch_size=8,
                num_detection_tokens=5,
                **vit_like,
                **two,
            ),
            t.AutoModelForObjectDetection,
            t.YolosImageProcessor(size={"shortest_edge": 32, "longest_edge": 32}),
        ),
    }


VISION_FAMILIES = ("resnet", "beit", "convnextv2", "mobilenet_v1", "yolos")


def tiny_vision_model(folder: Path, family: str) -> dict[str, bytes | Path]:
    """A tiny image classifier or detector of `family` (VISION_FAMILIES), two labels, with its
    image processor saved under the name the Hub's repos give it (not the PIL fallback class
    this machine, without torchvision, instantiates)."""
    config, auto_class, processor = _vision_families()[family]
    torch.manual_seed(0)
    auto_class.from_config(config).save_pretrained(folder)
    save_image_processor(processor, folder)
    return {path.name: path for path in sorted(folder.iterdir())}


def save_image_processor(processor: Any, folder: Path) -> None:
    """`processor` saved as the Hub's repos name it: without torchvision this machine makes the
    PIL fallback class ("...Pil"), which is not what a repo's preprocessor_config.json says."""
    processor.save_pretrained(folder)
    saved = folder / "preprocessor_config.json"
    settings = json.loads(saved.read_text())
    settings["image_processor_type"] = settings["image_processor_type"].removesuffix("Pil")
    saved.write_text(json.dumps(settings, indent=2))


def tiny_diffusion_pipeline(folder: Path) -> dict[str, bytes | Path]:
    """A tiny Stable Diffusion pipeline (model_index.json and one folder per component, as
    runwayml/stable-diffusion-v1-5 had them; hidden size 32, one layer) built into `folder`."""
    settings = {"architecture": "stable_diffusion", "hidden_size": 32, "num_layers": 1, "seed": 0}
    build_tiny_model(settings, folder)
    return {
        path.relative_to(folder).as_posix(): path for path in folder.rglob("*") if path.is_file()
    }
