"""prepare_model against the Hub replica: a hub model is fetched as the study fetches it on the
submit host, and only the files a measurement loads travel (issue 13: repos carry TF, Flax,
ONNX, pickled duplicates, fp16 variants and multi-GB single-file checkpoints)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hub_replica import HubReplica, run_client
from hub_replica.builders import tiny_diffusion_pipeline, tiny_model

pytestmark = pytest.mark.replica

MODEL = "distilbert/prepare-sst2"
PIPELINE = "stable-diffusion-v1-5/prepare-sd"
STAND_IN = b"\x00" * 4096  # bytes a download must never fetch


@pytest.fixture(scope="module")
def repos(hub_replica: HubReplica, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """A tiny classifier and a tiny Stable Diffusion repo, each with the extra files real repos
    carry beside what `from_pretrained` reads; their files by repo."""
    model = tiny_model(tmp_path_factory.mktemp("model"))
    pipeline = tiny_diffusion_pipeline(tmp_path_factory.mktemp("pipeline"))
    pipeline = {
        **pipeline,
        "v1-5-pruned-emaonly.ckpt": STAND_IN,
        "v1-5-pruned-emaonly.safetensors": STAND_IN,
        "unet/diffusion_pytorch_model.fp16.safetensors": STAND_IN,
        "unet/diffusion_pytorch_model.non_ema.safetensors": STAND_IN,
        "unet/diffusion_pytorch_model.bin": STAND_IN,
        "text_encoder/model.fp16.safetensors": STAND_IN,
        "vae/diffusion_pytorch_model.fp16.safetensors": STAND_IN,
    }
    hub_replica.add_model(MODEL, model)
    hub_replica.add_model(PIPELINE, pipeline)
    return {MODEL: model, PIPELINE: pipeline}


@pytest.fixture
def replica(hub_replica: HubReplica, repos: dict[str, dict]) -> Iterator[HubReplica]:
    hub_replica.clear_log()
    yield hub_replica
    assert hub_replica.problems() == []


def prepare(replica: HubReplica, model_id: str, cache: Path, **spec: object) -> dict:
    """prepare_model of a hub model in a child process pointed at the replica; the manifest."""
    values = {"id": model_id, "kind": "task_specific", "source": "hub", **spec}
    code = f"""
        import json
        from pathlib import Path
        from powerhungry.models.prepare import prepare_model
        from powerhungry.study import ModelSpec
        spec = ModelSpec(**{json.dumps(values)})
        cache = Path({str(cache)!r})
        print(json.dumps(prepare_model(spec, cache / "model", cache / "model.json")))
    """
    return run_client(code, {**replica.env, "HF_HOME": str(cache / "hf")})


def size(content: bytes | Path) -> int:
    return len(content) if isinstance(content, bytes) else content.stat().st_size


def test_a_classifier_is_fetched_without_its_other_formats(replica, repos, tmp_path):
    manifest = prepare(replica, MODEL, tmp_path, task="text_classification")
    wanted = ["config.json", "model.safetensors", "tokenizer_config.json", "vocab.txt"]
    assert manifest["files"] == wanted
    assert sorted(replica.downloaded(MODEL)) == wanted
    assert manifest["download_bytes"] == sum(size(repos[MODEL][name]) for name in wanted)
    assert len(manifest["resolved_revision"]) == 40

    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(manifest["path"])
    tokens = AutoTokenizer.from_pretrained(manifest["path"])("a fine film", return_tensors="pt")
    assert model(**tokens).logits.shape == (1, 2)


def test_an_architecture_only_model_is_fetched_without_weights(replica, repos, tmp_path):
    manifest = prepare(replica, MODEL, tmp_path, task="text_classification", weights="random")
    assert manifest["files"] == ["config.json", "tokenizer_config.json", "vocab.txt"]
    assert sorted(replica.downloaded(MODEL)) == manifest["files"]


def test_a_diffusion_pipeline_is_fetched_without_checkpoints_or_variants(replica, repos, tmp_path):
    manifest = prepare(replica, PIPELINE, tmp_path, task="image_generation")
    fetched = sorted(replica.downloaded(PIPELINE))
    assert fetched == manifest["files"]
    assert "model_index.json" in fetched
    assert not [name for name in fetched if repos[PIPELINE][name] == STAND_IN]
    expected = sorted(
        name
        for name, content in repos[PIPELINE].items()
        if content != STAND_IN and name not in (".gitattributes",)
    )
    assert fetched == expected
    assert manifest["download_bytes"] == sum(size(repos[PIPELINE][name]) for name in fetched)

    from diffusers import DiffusionPipeline

    pipeline = DiffusionPipeline.from_pretrained(manifest["path"])
    assert pipeline.unet is not None and pipeline.vae is not None
    assert json.loads((Path(manifest["path"]) / "model_index.json").read_text())


def test_a_repo_without_loadable_weights_is_refused_before_any_download(replica, tmp_path):
    replica.add_model(
        "old-org/tf-only", {"config.json": b'{"model_type": "bert"}', "tf_model.h5": STAND_IN}
    )
    replica.clear_log()
    code = f"""
        import json
        from pathlib import Path
        from powerhungry.models.prepare import ModelSourceError, prepare_model
        from powerhungry.study import ModelSpec
        spec = ModelSpec(id="old-org/tf-only", kind="task_specific", source="hub",
                         task="text_classification")
        try:
            prepare_model(spec, Path({str(tmp_path)!r}) / "m", Path({str(tmp_path)!r}) / "m.json")
        except ModelSourceError as error:
            print(json.dumps(str(error)))
    """
    message = run_client(code, {**replica.env, "HF_HOME": str(tmp_path / "hf")})
    assert "model 'old-org/tf-only' at revision 'main' cannot be loaded" in message
    assert "tf_model.h5" in message and "weights: random" in message
    assert replica.downloaded("old-org/tf-only") == []
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.json").exists()


def test_a_moved_model_is_fetched_from_its_new_repo_under_the_papers_name(replica, repos, tmp_path):
    manifest = prepare(
        replica, "runwayml/prepare-sst2", tmp_path, task="text_classification", hub=MODEL
    )
    assert (manifest["id"], manifest["repo"]) == ("runwayml/prepare-sst2", MODEL)
    assert sorted(replica.downloaded(MODEL)) == manifest["files"]
    assert not [record for record in replica.requests if "runwayml" in record.path]
