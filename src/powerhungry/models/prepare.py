"""Make a model available offline and describe it in a manifest (JSON) that measurement reads.

The manifest is written last, so its presence means the model directory is complete.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from powerhungry.files import write_atomic
from powerhungry.models.hub_files import (
    MODEL_INDEX,
    UnloadableRepoError,
    files_to_fetch,
)
from powerhungry.startup import long_lived_setup
from powerhungry.study import ModelSpec

T = TypeVar("T")


class ModelSourceError(ValueError):
    """A model that cannot be prepared: missing local path, unknown revision, no download."""


def prepare_model(spec: ModelSpec, model_dir: Path, manifest_path: Path) -> dict[str, Any]:
    """Fetch, check or build `spec`'s model into `model_dir` (local models stay where they are)
    and write its manifest: where it is, the revision asked for and the commit it resolved to,
    and, for downloads, the files fetched and their size (`download_bytes`, B; empty for
    models not downloaded). Returns the manifest; raises ModelSourceError naming the model."""
    download: dict[str, Any] = {"files": None, "download_bytes": None}
    if spec.source == "local":
        location, revision = check_local(spec), "local"
    elif spec.source == "tiny":
        # Imported here: building models loads every family's classes (seconds), which a
        # measurement job, reading only the manifest, must not pay. Mostly imports, and a model
        # of a few MB: no collection needed (`long_lived_setup`).
        with long_lived_setup():
            from powerhungry.models.tiny import build_tiny_model

            try:
                _replace_dir(model_dir, lambda tmp: build_tiny_model(dict(spec.tiny or {}), tmp))
            except (ValueError, TypeError) as error:  # what the model classes say of a config
                raise ModelSourceError(
                    f"model {spec.id!r}: its tiny settings {spec.tiny} do not build ({error}); "
                    "change them in the config"
                ) from error
        location, revision = model_dir, "random-weights"
    else:
        download = _download(spec, model_dir)
        location, revision = model_dir, download.pop("resolved_revision")
    manifest = {
        "id": spec.id,
        "source": spec.source,
        "weights": spec.weights,
        "path": project_path(Path(location)),
        "repo": spec.repo if spec.source == "hub" else None,
        "requested_revision": spec.revision if spec.source == "hub" else None,
        "resolved_revision": revision,
        **download,
        "prepared_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    write_atomic(manifest_path, lambda tmp: tmp.write_text(json.dumps(manifest, indent=2) + "\n"))
    return manifest


def run_prepare_job(smk: Any) -> None:
    """Rule prepare_model's body (`smk`: the Snakemake job object; its params.model, a
    ModelSpec's fields, params.model_dir and output.manifest): prepare the model and print its
    manifest. A tiny model is built in a child of the run's fork server where one serves this
    job (`powerhungry.forkserver`: its ~3 s of torch and transformers imports paid once), once a
    measurement job has set the server up in its own environment; a download runs here (the
    server is offline), and so does a local model's check (it imports nothing heavy); the log's
    first line says which. Raises ModelSourceError naming the model, or ForkedJobError."""
    from powerhungry.forkserver import OWN_PROCESS_NOTICE, run_job

    if smk.params.model["source"] == "tiny":
        run_job("powerhungry.models.prepare:prepare_here", smk, sets_up=False)
    else:
        print(f"{OWN_PROCESS_NOTICE}: a download or a local model's check is never served")
        prepare_here(smk)


def prepare_here(smk: Any) -> None:
    """`run_prepare_job` in this process."""
    spec = ModelSpec(**smk.params.model)
    print(prepare_model(spec, Path(smk.params.model_dir), Path(smk.output.manifest)))


def restore_command() -> str:
    """The command that brings the models of the latest run's config back (`restore_model`)."""
    from powerhungry.invocation import config_files, recorded_options

    return shlex.join(["powerhungry", "restore-models", *config_files(recorded_options())])


def project_path(location: Path) -> str:
    """`location` relative to the workflow's folder (the working directory of every job) when
    it is inside it, so that a moved project or an unpacked artifact finds its own models;
    absolute otherwise (a local model elsewhere)."""
    # Not resolved: a cache that is a link to scratch space stays named by its link.
    absolute, project = Path(os.path.abspath(location)), Path(os.path.abspath(Path.cwd()))
    return str(absolute.relative_to(project)) if absolute.is_relative_to(project) else str(absolute)


def read_manifest(manifest_path: str | Path) -> dict[str, Any]:
    manifest = json.loads(Path(manifest_path).read_text())
    if not Path(manifest["path"]).is_dir():
        raise ModelSourceError(
            f"model {manifest['id']!r} is not in the cache: {manifest['path']!r} is gone. "
            "Bring it back on a machine with internet (the submit host), its manifest left as "
            f"it is: {restore_command()}"
        )
    return manifest


def manifest_path(cache_dir: str | Path, model: ModelSpec) -> Path:
    """Where rule prepare_model writes a model's manifest: <cache_dir>/models/<slug>.json."""
    return Path(cache_dir) / "models" / f"{model.slug}.json"


def restore_model(spec: ModelSpec, manifest: Path) -> str:
    """Bring back the folder a manifest names (an unpacked artifact, a cleaned cache) and leave
    the manifest as it is, so that nothing measured from it is remade: a hub model at the commit
    it resolved to then, a tiny model rebuilt from its spec. Returns "present" or "restored";
    raises ModelSourceError (a local model that is not where it was, a failed download)."""
    recorded = json.loads(manifest.read_text())
    folder = Path(recorded["path"])
    if folder.is_dir():
        return "present"
    if spec.source == "local":
        raise ModelSourceError(
            f"model {spec.id!r}: local path {str(folder)!r} does not exist; put the model "
            "back there (it is the user's own, not downloaded)"
        )
    if spec.source == "hub":
        spec = replace(spec, revision=recorded["resolved_revision"])
    with tempfile.TemporaryDirectory() as scratch:
        prepare_model(spec, folder, Path(scratch) / "manifest.json")
    return "restored"


def check_local(spec: ModelSpec) -> Path:
    """The folder of a local model: a save_pretrained directory; raises ModelSourceError."""
    path = Path(str(spec.path))
    if not path.is_dir():
        raise ModelSourceError(f"model {spec.id!r}: local path {str(path)!r} does not exist")
    if not any((path / name).is_file() for name in ("config.json", "model_index.json")):
        raise ModelSourceError(
            f"model {spec.id!r}: {str(path)!r} has no config.json or model_index.json "
            "(expected a save_pretrained directory)"
        )
    return path


def _download(spec: ModelSpec, model_dir: Path) -> dict[str, Any]:
    """Download what a measurement of `spec.revision` loads (`files_to_fetch`); return the commit
    it resolved to, the files and their size in bytes (the Hub's sizes)."""
    from huggingface_hub import HfApi, snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    try:
        info = HfApi().model_info(spec.repo, revision=spec.revision, files_metadata=True)
        commit = str(info.sha)
        sizes = {sibling.rfilename: sibling.size for sibling in info.siblings or []}

        def fetch(tmp: Path) -> list[str]:
            index = None
            if MODEL_INDEX in sizes:
                snapshot_download(
                    spec.repo, revision=commit, local_dir=tmp, allow_patterns=[MODEL_INDEX]
                )
                index = json.loads((tmp / MODEL_INDEX).read_text())
            files = files_to_fetch(sizes, spec.weights, spec.trust_remote_code, index)
            snapshot_download(spec.repo, revision=commit, local_dir=tmp, allow_patterns=files)
            return files

        files = _replace_dir(model_dir, fetch)
    except (HfHubHTTPError, OSError) as error:
        raise ModelSourceError(
            f"model {spec.id!r}: cannot download revision {spec.revision!r} of {spec.repo!r} "
            f"from the hub: {error}"
        ) from error
    except UnloadableRepoError as error:
        raise ModelSourceError(
            f"model {spec.id!r} at revision {spec.revision!r} cannot be loaded: {error}"
        ) from error
    return {
        "resolved_revision": commit,
        "files": files,
        "download_bytes": sum(sizes[name] or 0 for name in files),
    }


def _replace_dir(model_dir: Path, fill: Callable[[Path], T]) -> T:
    """Fill a fresh directory beside `model_dir`, then swap it in, so a failure leaves no half;
    returns what `fill` returns."""
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=model_dir.parent, prefix=f".{model_dir.name}."))
    try:
        filled = fill(tmp)
        if model_dir.exists():
            shutil.rmtree(model_dir)
        tmp.rename(model_dir)
        return filled
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
