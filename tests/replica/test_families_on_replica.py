"""One cell per architecture family of the paper's models that the pinned stack can build,
fetched from the Hub replica as the real study fetches them (prepare_model on the "submit host",
only the files a measurement loads), then measured offline. The families, and the first of the
paper's repos of each, come from tests/hub_replica/paper_models.yaml: BERT, DistilBERT, RoBERTa,
BERTweet, XLM-RoBERTa, ELECTRA, DeBERTa, DeBERTa-v2, ALBERT, GPT-2, BLOOM, OPT, GPT-Neo, BART,
LED, Pegasus, Flan-T5 run zero-shot (a tokenizer that is only a SentencePiece model), ViT,
ResNet, BEiT, ConvNeXt V2, MobileNet V1, YOLOS, ViT-GPT2, BLIP, GIT, BLIP-2 with OPT and with
Flan-T5, Stable Diffusion 1.x with its safety checker, 2.x and XL. Not here: DETR and Deformable
DETR with a timm backbone (timm is GPU-only, requirements-gpu.txt) and DETA (not in
transformers 5), which preflight reports as unmeasurable (test_paper_datasets.py); every cell of
the paper's config is measured by `make paper-replica`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import REPO, copy_workflow, run_snakemake, validated
from hub_replica import HubReplica
from hub_replica.paper_models import description, publish_paper_models, repo_of

pytestmark = [pytest.mark.replica, pytest.mark.workflow]

UNBUILDABLE = ("deta", "detr-timm", "deformable_detr-timm")  # see the module docstring
FLAN_T5 = "google/flan-t5-base"


def one_model_per_family() -> list[dict]:
    """The paper config's first model of each family the stack builds, as a hub entry (Flan-T5
    zero-shot on one dataset, two new tokens)."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    described, chosen = description(), {}
    for model in config["models"]:
        family = described[repo_of(model)]["family"]
        if family not in UNBUILDABLE and family not in chosen:
            chosen[family] = {"id": repo_of(model), "source": "hub"}
            if model.get("kind") == "multi_purpose":
                assert repo_of(model) == FLAN_T5
                chosen[family] |= {
                    "kind": "multi_purpose",
                    "tasks": ["text_classification"],
                    "datasets": ["movie_reviews"],
                    "max_new_tokens": 2,
                }
            else:
                chosen[family]["task"] = model["task"]
    return list(chosen.values())


def test_each_family_is_fetched_then_measured_offline(hub_replica: HubReplica, tmp_path: Path):
    demo = validated(yaml.safe_load((REPO / "config" / "demo.yaml").read_text()))
    models = one_model_per_family()
    assert len(models) == 31
    publish_paper_models(hub_replica, models, tmp_path / "built")
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
    described = description()
    for model in models:  # what real repos carry beside what is loaded is never fetched
        extras = set(described[model["id"]].get("extras", []))
        assert not extras & set(hub_replica.downloaded(model["id"])), model["id"]
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
    assert set(rows["model_repo"]) == {model["id"] for model in models}
    assert "spiece.model" in fetched_files(workflow, FLAN_T5)
    for model in models:  # SentencePiece models, BPE files, bpe.codes, image processors...
        if "task" in model:
            family = described[model["id"]]["family"]
            folder = tmp_path / "built" / f"{family}.{model['task']}"
            built = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
            assert built <= set(fetched_files(workflow, model["id"])), model["id"]
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
