"""The paper's 88 models on the replica, generated from paper_models.yaml (a declarative
description: today's repo ids, the old ids that redirect to them, each model's family and the
files real repos carry beside what is loaded). Tasks come from the study config.

One tiny model is built per family and head (`tiny_paper_model`) and published under every repo
of that family and head: a repo's content stands for its family's layout (config, tokenizer or
processor files, weights format), not for its checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import torch
import yaml

from powerhungry.models.tiny import build_tiny_model

from .builders import VISION_FAMILIES, save_image_processor, tiny_t5, tiny_vision_model
from .captioners import CAPTIONERS, tiny_captioner
from .diffusion import PIPELINES, tiny_diffusion
from .replica import HubReplica
from .text_families import SEQ2SEQ, TEXT_FAMILIES, tiny_text_model

DESCRIPTION = Path(__file__).with_name("paper_models.yaml")
STAND_IN = b"\x00" * 4096  # the content of an extra file: never loaded, so never fetched
LABELS = ["circle", "square"]
# Families the demo's tiny builder makes (powerhungry.models.tiny), by its architecture name.
DEMO = {
    "vit": "vit_image_classification",
    "detr": "detr_object_detection",
    "deta": "detr_object_detection",  # then named a DETA (see tiny_paper_model)
    "vit-gpt2": "vit_gpt2_image_captioning",
    "sd1": "stable_diffusion",
}
# DETR-family configs that name a timm backbone, as facebook/detr-resnet-50's does.
TIMM = {"use_timm_backbone": True, "backbone": "resnet18", "use_pretrained_backbone": False}
# Runs zero-shot as a multi-purpose model: the head its family generates with.
MULTI_PURPOSE_TASK = {"t5": "summarization", "bloom": "text_generation"}


@cache
def description() -> dict[str, Any]:
    """paper_models.yaml's models, read once (callers do not change it)."""
    return yaml.safe_load(DESCRIPTION.read_text())["models"]


def repo_of(model: Mapping[str, Any]) -> str:
    """The repo a config entry's model is fetched from today: `hub`, else the id, resolved
    through the description's old names (the Hub's redirects)."""
    repo = model.get("hub") or model["id"]
    old = {name: new for new, entry in description().items() for name in entry.get("old_names", [])}
    return old.get(repo, repo)


def folder_files(folder: Path) -> dict[str, bytes | Path]:
    """{path in repo: file} of everything under `folder`."""
    return {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def tiny_paper_model(folder: Path, family: str, task: str) -> dict[str, bytes | Path]:
    """A tiny model of `family` (see paper_models.yaml) with `task`'s head, built into
    `folder`; its files as {path in repo: file}."""
    if family in TEXT_FAMILIES:
        return tiny_text_model(folder, family, task)
    if family == "t5":
        return tiny_t5(folder)
    if family in VISION_FAMILIES:
        return tiny_vision_model(folder, family)
    if family in CAPTIONERS:
        return tiny_captioner(folder, family)
    if family in PIPELINES:
        return tiny_diffusion(folder, family)
    if family in ("detr-timm", "deformable_detr-timm"):
        return tiny_timm_detector(folder, family.removesuffix("-timm"))
    settings = {"hidden_size": 32, "num_layers": 2, "seed": 0, "labels": LABELS}
    build_tiny_model({**settings, "architecture": DEMO[family]}, folder)
    if family == "deta":  # a DETR config under the model_type transformers 5 no longer has
        edit_config(
            folder / "config.json", model_type="deta", architectures=["DetaForObjectDetection"]
        )
    return folder_files(folder)


def tiny_timm_detector(folder: Path, model_type: str) -> dict[str, bytes | Path]:
    """A tiny DETR or Deformable DETR whose config names a timm backbone (TIMM), as the Hub's
    repos of these models do. Where timm is installed it is built with that backbone; where it
    is not (it needs a torchvision built for the installed torch, which only CUDA builds have on
    PyPI), the weights are a stand-in built on transformers' own ResNet: the config is what
    decides, and no loader gets past building the model without timm."""
    import transformers as t

    small = {**SEQ2SEQ, "d_model": 16, "num_queries": 10, "id2label": dict(enumerate(LABELS))}
    if model_type == "deformable_detr":
        # Its input projections' GroupNorm has 32 groups: d_model 64 gives each two channels, so
        # that the last feature map, 1x1 at 32 pixels, normalizes (the real model's 256 give 8).
        # Four feature levels, as the real model: timm's backbone gives three. Transformers 5
        # ties the box heads of the decoder layers to the first, and fails where there is only one.
        small |= {"d_model": 64, "decoder_layers": 2, "num_feature_levels": 4}
        small |= {"encoder_n_points": 2, "decoder_n_points": 2}
    config_class = t.AutoConfig.for_model(model_type).__class__
    torch.manual_seed(0)
    if find_spec("timm") is not None:
        config = config_class(**small, **TIMM)
    else:
        backbone = t.ResNetConfig(
            embedding_size=8, hidden_sizes=[8, 16], depths=[1, 1], out_features=["stage2"]
        )
        if model_type == "deformable_detr":
            backbone.out_features = ["stage1", "stage2"]
        config = config_class(**small, use_timm_backbone=False, backbone_config=backbone)
    t.AutoModelForObjectDetection.from_config(config).save_pretrained(folder)
    edit_config(folder / "config.json", **TIMM, backbone_config=None)
    processor_class = (
        t.DetrImageProcessor if model_type == "detr" else t.DeformableDetrImageProcessor
    )
    save_image_processor(processor_class(size={"shortest_edge": 32, "longest_edge": 32}), folder)
    return folder_files(folder)


def edit_config(path: Path, **values: Any) -> None:
    """Set `values` in the JSON file at `path`."""
    path.write_text(json.dumps({**json.loads(path.read_text()), **values}, indent=2))


def publish_paper_models(
    replica: HubReplica, models: Sequence[Mapping[str, Any]], scratch: Path
) -> dict[str, str]:
    """Every model of `models` (a study config's entries, described in paper_models.yaml) on
    `replica`, built in `scratch`; the commit of each repo's main branch, by repo."""
    described = description()
    built: dict[tuple[str, str], dict[str, bytes | Path]] = {}
    commits = {}
    for model in models:
        repo = repo_of(model)
        entry = described[repo]
        family = entry["family"]
        task = model.get("task") or MULTI_PURPOSE_TASK[family]
        if (family, task) not in built:
            built[family, task] = tiny_paper_model(scratch / f"{family}.{task}", family, task)
        files = built[family, task] | dict.fromkeys(entry.get("extras", []), STAND_IN)
        commits[repo] = replica.add_model(repo, files, old_names=entry.get("old_names", []))
    return commits
