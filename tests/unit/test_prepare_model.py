import json

import pytest

from powerhungry.models.prepare import ModelSourceError, prepare_model, read_manifest
from powerhungry.study import ModelSpec

TINY = {
    "architecture": "gpt2_causal_lm",
    "hidden_size": 16,
    "num_layers": 1,
    "labels": ["A", "B"],
    "seed": 0,
}


def spec(**overrides):
    values = dict(id="org/model", task="text_generation", kind="task_specific", source="hub")
    return ModelSpec(**{**values, **overrides})


def test_tiny_model_is_built_and_described(tmp_path):
    manifest = prepare_model(spec(source="tiny", tiny=TINY), tmp_path / "m", tmp_path / "m.json")
    assert (tmp_path / "m" / "config.json").is_file()
    # GPT-2's tokenizer files, copied from resources/architectures/gpt2.
    assert {"vocab.json", "merges.txt", "tokenizer_config.json"} <= {
        p.name for p in (tmp_path / "m").iterdir()
    }
    assert manifest["resolved_revision"] == "random-weights"
    assert read_manifest(tmp_path / "m.json") == manifest
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no scratch left


def test_local_model_is_used_in_place(tmp_path, tiny_models):
    local = tiny_models["gpt2_causal_lm"]
    manifest = prepare_model(
        spec(source="local", path=str(local)), tmp_path / "m", tmp_path / "m.json"
    )
    assert manifest["path"] == str(local)
    assert not (tmp_path / "m").exists()


def test_missing_local_path_is_named(tmp_path):
    with pytest.raises(
        ModelSourceError, match="model 'org/model': local path '/no/such' does not exist"
    ):
        prepare_model(spec(source="local", path="/no/such"), tmp_path / "m", tmp_path / "m.json")
    assert not (tmp_path / "m.json").exists()


def test_local_directory_without_a_config_is_refused(tmp_path):
    (tmp_path / "weights").mkdir()
    with pytest.raises(ModelSourceError, match=r"no config\.json"):
        prepare_model(
            spec(source="local", path=str(tmp_path / "weights")),
            tmp_path / "m",
            tmp_path / "m.json",
        )


def test_hub_download_without_network_fails_naming_model_and_revision(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(
        ModelSourceError, match=r"model 'org/model': cannot download revision 'v1\.0'"
    ):
        prepare_model(spec(revision="v1.0"), tmp_path / "m", tmp_path / "m.json")
    assert not (tmp_path / "m").exists() and not (tmp_path / "m.json").exists()


def test_manifest_of_a_vanished_model_directory_says_how_to_recover(tmp_path):
    (tmp_path / "m.json").write_text(
        json.dumps({"id": "org/model", "path": str(tmp_path / "gone")})
    )
    # On an offline compute node: name the model and the command that fetches it again.
    with pytest.raises(ModelSourceError, match=r"model 'org/model' is not in the cache") as error:
        read_manifest(tmp_path / "m.json")
    assert f"snakemake --cores 1 --force {tmp_path / 'm.json'}" in str(error.value)
