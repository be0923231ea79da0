import json
import shutil
from pathlib import Path

import pytest

from powerhungry.invocation import record_invocation
from powerhungry.models.prepare import (
    ModelSourceError,
    prepare_model,
    read_manifest,
    restore_model,
)
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


def test_manifest_of_a_vanished_model_directory_says_how_to_recover(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.json").write_text(json.dumps({"id": "org/model", "path": "cache/gone"}))
    # On an offline compute node: name the model and the command that fetches it again.
    with pytest.raises(ModelSourceError, match=r"model 'org/model' is not in the cache") as error:
        read_manifest(tmp_path / "m.json")
    assert "as it is: powerhungry restore-models config/config.yaml" in str(error.value)
    # With the config files of the run that planned the job (results/invocation.json).
    options = ["--profile", "profiles/slurm", "--configfile", "my study.yaml"]
    record_invocation([*options, "--replace-workflow-config", "-n"])
    with pytest.raises(ModelSourceError) as error:
        read_manifest(tmp_path / "m.json")
    assert str(error.value).endswith("as it is: powerhungry restore-models 'my study.yaml'")


def test_a_vanished_model_is_restored_and_its_manifest_left_as_it_was(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model = spec(source="tiny", tiny=TINY)
    prepare_model(model, Path("cache/models/m"), Path("cache/m.json"))
    manifest = Path("cache/m.json").read_bytes()
    assert restore_model(model, Path("cache/m.json")) == "present"
    shutil.rmtree("cache/models/m")
    assert restore_model(model, Path("cache/m.json")) == "restored"
    assert Path("cache/m.json").read_bytes() == manifest
    assert read_manifest("cache/m.json")["path"] == "cache/models/m"


def test_a_model_prepared_inside_the_project_is_recorded_relative_to_it(tmp_path, monkeypatch):
    """A moved project, or an artifact unpacked elsewhere, reads its own cache."""
    monkeypatch.chdir(tmp_path)
    model = spec(source="tiny", tiny=TINY)
    manifest = prepare_model(model, Path("cache/models/m"), Path("cache/m.json"))
    assert manifest["path"] == "cache/models/m"
    # A cache linked to scratch space is still named by its link.
    scratch = tmp_path.parent / f"{tmp_path.name}-scratch"
    scratch.mkdir()
    Path("linked").symlink_to(scratch)
    linked = prepare_model(model, Path("linked/models/m"), Path("linked/m.json"))
    assert linked["path"] == "linked/models/m"
    moved = tmp_path.parent / f"{tmp_path.name}-moved"
    tmp_path.rename(moved)
    monkeypatch.chdir(moved)
    assert read_manifest("cache/m.json")["path"] == "cache/models/m"


def test_tiny_settings_that_do_not_build_are_named_with_the_model(tmp_path):
    unbuildable = {**TINY, "hidden_size": 15}  # not a multiple of the attention heads
    with pytest.raises(ModelSourceError, match=r"model 'org/model': its tiny settings .*15"):
        prepare_model(spec(source="tiny", tiny=unbuildable), tmp_path / "m", tmp_path / "m.json")
    assert not list(tmp_path.iterdir())  # no model folder, scratch or manifest
