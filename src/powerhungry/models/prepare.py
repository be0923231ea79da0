"""Make a model available offline and describe it in a manifest (JSON) that measurement reads.

The manifest is written last, so its presence means the model directory is complete.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from powerhungry.files import write_atomic
from powerhungry.startup import long_lived_setup
from powerhungry.study import ModelSpec

CONFIG_AND_TOKENIZER_FILES = ["*.json", "*.txt", "*.model", "*.tiktoken"]


class ModelSourceError(ValueError):
    """A model that cannot be prepared: missing local path, unknown revision, no download."""


def prepare_model(spec: ModelSpec, model_dir: Path, manifest_path: Path) -> dict[str, Any]:
    if spec.source == "local":
        location, revision = _check_local(spec), "local"
    elif spec.source == "tiny":
        # Imported here: building models loads every family's classes (seconds), which a
        # measurement job, reading only the manifest, must not pay. Mostly imports, and a model
        # of a few MB: no collection needed (`long_lived_setup`).
        with long_lived_setup():
            from powerhungry.models.tiny import build_tiny_model

            _replace_dir(model_dir, lambda tmp: build_tiny_model(dict(spec.tiny or {}), tmp))
        location, revision = model_dir, "random-weights"
    else:
        revision = _download(spec, model_dir)
        location = model_dir
    manifest = {
        "id": spec.id,
        "source": spec.source,
        "weights": spec.weights,
        "path": str(Path(location).resolve()),
        "requested_revision": spec.revision if spec.source == "hub" else None,
        "resolved_revision": revision,
        "prepared_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(manifest_path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=2) + "\n"))
    return manifest


def read_manifest(manifest_path: str | Path) -> dict[str, Any]:
    manifest = json.loads(Path(manifest_path).read_text())
    if not Path(manifest["path"]).is_dir():
        raise ModelSourceError(
            f"model {manifest['id']!r} is not in the cache: {manifest['path']!r} is gone. "
            "Fetch it again on a machine with internet (the submit host), then rerun: "
            f"snakemake --cores 1 --force {manifest_path}"
        )
    return manifest


def _check_local(spec: ModelSpec) -> Path:
    path = Path(str(spec.path))
    if not path.is_dir():
        raise ModelSourceError(f"model {spec.id!r}: local path {str(path)!r} does not exist")
    if not any((path / name).is_file() for name in ("config.json", "model_index.json")):
        raise ModelSourceError(
            f"model {spec.id!r}: {str(path)!r} has no config.json or model_index.json "
            "(expected a save_pretrained directory)"
        )
    return path


def _download(spec: ModelSpec, model_dir: Path) -> str:
    """Download `spec.revision` of the hub model; return the commit it resolved to."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        info = HfApi().model_info(spec.id, revision=spec.revision)
        commit = info.sha
        # Architecture-only models need their configs and tokenizer, not the checkpoint.
        patterns = CONFIG_AND_TOKENIZER_FILES if spec.weights == "random" else None
        files = [sibling.rfilename for sibling in info.siblings or []]
        _replace_dir(
            model_dir,
            lambda tmp: snapshot_download(
                repo_id=spec.id,
                revision=commit,
                local_dir=tmp,
                allow_patterns=patterns,
                ignore_patterns=pickled_weights_to_skip(files),
            ),
        )
    except (HfHubHTTPError, OSError) as error:
        raise ModelSourceError(
            f"model {spec.id!r}: cannot download revision {spec.revision!r} from the hub: {error}"
        ) from error
    return str(commit)


PICKLED_WEIGHTS = ["*.bin", "*.pt", "*.pth", "*.ckpt", "*.pkl"]


def pickled_weights_to_skip(files: list[str]) -> list[str] | None:
    """Where a repository has safetensors weights, its pickled copies are not downloaded: loading
    a pickle can run code, and transformers would pick safetensors anyway."""
    return PICKLED_WEIGHTS if any(name.endswith(".safetensors") for name in files) else None


def _replace_dir(model_dir: Path, fill: Any) -> None:
    """Fill a fresh directory beside `model_dir`, then swap it in, so a failure leaves no half."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=model_dir.parent, prefix=f".{model_dir.name}."))
    try:
        fill(tmp)
        if model_dir.exists():
            shutil.rmtree(model_dir)
        tmp.rename(model_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
