"""A reproducibility artifact without conda: the workflow as committed, what it measured, and the
exact package versions, in one tar.gz with a sha256 manifest.

`snakemake --archive` does the same for conda users. Not included: the models themselves, only
their manifests (`prepare_model` fetches the pinned revisions again, or rebuilds tiny models), the
virtual environment (rebuilt from `requirements.lock`) and Snakemake's own state.
"""

from __future__ import annotations

import io
import json
import platform
import subprocess
import sys
import tarfile
from datetime import UTC, datetime
from pathlib import Path

from powerhungry.files import sha256_of, write_atomic
from powerhungry.invocation import INVOCATION, named_files
from powerhungry.measure.provenance import ARTIFACT_MANIFEST, workflow_commit

MEASURED = ("results", "logs")
# Model manifests (pinned revisions), not the models: measurements list them as inputs, so without
# them Snakemake would measure everything again.
MANIFESTS = "cache/**/models/*.json"
LOCK = "requirements.lock"
MANIFEST = ARTIFACT_MANIFEST


class ArtifactError(RuntimeError):
    """The workflow directory cannot be archived as it is."""


def tracked_files(workdir: Path) -> list[str]:
    try:
        listed = subprocess.run(
            ["git", "-C", str(workdir), "ls-files", "-z"],
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise ArtifactError(f"{workdir} is not a git checkout: {error}") from error
    return [name for name in listed.decode().split("\0") if name]


def measured_files(workdir: Path) -> list[str]:
    paths = [path for folder in MEASURED for path in (workdir / folder).rglob("*")]
    paths += workdir.glob(MANIFESTS)
    return sorted(str(path.relative_to(workdir)) for path in paths if path.is_file())


def how_it_ran(workdir: Path) -> dict[str, object]:
    """How the results were made, from the latest run's record (results/invocation.json): the
    command that reproduces them (`snakemake` and its profile and config options) and the files
    those options name, each with whether the artifact holds it. Without a record, says so."""
    record_path = workdir / INVOCATION
    if not record_path.is_file():
        return {"command": None, "why": f"no {INVOCATION}: no run of this workflow recorded one"}
    record = json.loads(record_path.read_text())
    files = {}
    for name in named_files(record["options"]):
        path = Path(name) if Path(name).is_absolute() else workdir / name
        inside = path.resolve().is_relative_to(workdir) and path.is_file()
        files[str(path.resolve().relative_to(workdir)) if inside else name] = inside
    return {"command": record["command"], "recorded_at": record["recorded_at"], "files": files}


def locked_requirements() -> str:
    """The running environment's exact versions (the project itself is installed from the tree)."""
    return subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def digest(path: Path) -> str:
    """sha256 of a file's content; a linked folder is recorded by its link target."""
    return "link:" + str(path.readlink()) if path.is_dir() else sha256_of(path)


def build_artifact(workdir: Path, out: Path) -> dict:
    """Write the artifact of `workdir` to `out` (atomically); return its manifest."""
    workdir = workdir.resolve()
    ran = how_it_ran(workdir)
    run_files = [name for name, held in dict(ran.get("files") or {}).items() if held]
    files = sorted(set(tracked_files(workdir)) | set(measured_files(workdir)) | set(run_files))
    missing = [name for name in files if not (workdir / name).exists()]
    if missing:
        raise ArtifactError(f"tracked files missing from {workdir}: {', '.join(missing[:5])}")
    manifest = {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "workflow_commit": workflow_commit(workdir),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "reproduce": ran,
        "files": {name: digest(workdir / name) for name in files},
    }
    lock = locked_requirements()

    def write(tmp: Path) -> None:
        with tarfile.open(tmp, "w:gz") as archive:
            for name in files:  # mtimes kept: Snakemake sees the results as up to date
                archive.add(workdir / name, arcname=name, recursive=False)
            add_text(archive, LOCK, lock)
            add_text(archive, MANIFEST, json.dumps(manifest, indent=1) + "\n")

    write_atomic(out, write)
    return manifest


def add_text(archive: tarfile.TarFile, name: str, text: str) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), int(datetime.now(UTC).timestamp())
    archive.addfile(info, fileobj=io.BytesIO(data))


def verify_artifact(root: Path) -> list[str]:
    """Files of an unpacked artifact whose content differs from its manifest (empty: intact)."""
    manifest = json.loads((root / MANIFEST).read_text())
    return [name for name, known in manifest["files"].items() if digest(root / name) != known]
