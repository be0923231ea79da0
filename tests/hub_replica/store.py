"""Repositories of the Hub replica, as plain folders on disk.

Layout under the replica root:

    {models|datasets}/{namespace}/{name}/repo.json
    {models|datasets}/{namespace}/{name}/{quoted revision}/...files

`repo.json` holds what the files cannot: `{"gated": bool, "old_names": [...], "revisions":
{branch: commit sha}}`. A revision folder's name is the branch quoted with nothing safe, so that
`refs/convert/parquet` is the single folder `refs%2Fconvert%2Fparquet`. The commit sha is derived
from the files alone (paths and git blob ids), so the same content always has the same sha.

Files are stored in git LFS on the Hub when the repo's `.gitattributes` says so; every repo the
Hub creates starts with the same `.gitattributes`, which LFS_SUFFIXES summarises. The replica
reports an LFS file the way the Hub does: the git oid of its pointer file, its sha256 as ETag.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from urllib.parse import quote

# The suffixes of the Hub's default .gitattributes that the replica's repos use.
LFS_SUFFIXES = {".bin", ".h5", ".msgpack", ".onnx", ".parquet", ".safetensors"}
REPO_FILE = "repo.json"


def git_blob_oid(content: bytes) -> str:
    """The sha1 git gives `content` as a blob: the `oid` of a non-LFS file in the Hub's tree."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """The git LFS pointer file stored in git in place of an LFS file's content."""
    return (
        f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()
    )


@dataclass(frozen=True)
class FileEntry:
    """One file of one revision, with the ids the Hub reports for it."""

    path: str
    size: int
    oid: str
    lfs_sha256: str | None
    lfs_pointer_size: int | None

    @classmethod
    def of(cls, path: str, content: bytes) -> FileEntry:
        """The entry of `content` stored at `path`, in LFS if its suffix says so."""
        if Path(path).suffix not in LFS_SUFFIXES:
            return cls(path, len(content), git_blob_oid(content), None, None)
        sha256 = hashlib.sha256(content).hexdigest()
        pointer = lfs_pointer(sha256, len(content))
        return cls(path, len(content), git_blob_oid(pointer), sha256, len(pointer))

    @property
    def etag(self) -> str:
        """What the Hub sends as the file's ETag: the sha256 for LFS files, else the git oid."""
        return self.lfs_sha256 or self.oid


def commit_sha(entries: Iterable[FileEntry]) -> str:
    """A 40-hex commit id that depends only on the files' paths and contents."""
    listing = "".join(
        f"{entry.path}\0{entry.oid}\n" for entry in sorted(entries, key=attrgetter("path"))
    )
    return hashlib.sha1(listing.encode()).hexdigest()


class Repo:
    """A repo of the replica: its settings from repo.json and its revision folders (its old
    names are looked up across repos by `RepoStore.renamed_to`)."""

    def __init__(self, folder: Path, repo_type: str, repo_id: str) -> None:
        self.folder = folder
        self.type = repo_type
        self.id = repo_id
        settings = json.loads((folder / REPO_FILE).read_text())
        self.gated: bool = settings["gated"]
        self.revisions: dict[str, str] = settings["revisions"]

    def resolve(self, revision: str) -> tuple[str, str] | None:
        """(branch, commit sha) of a branch name or a commit sha; None if neither exists."""
        if revision in self.revisions:
            return revision, self.revisions[revision]
        for branch, sha in self.revisions.items():
            if sha == revision:
                return branch, sha
        return None

    def files(self, branch: str) -> dict[str, FileEntry]:
        """Every file of `branch`, by path in the repo (posix, sorted)."""
        root = self.folder / quote(branch, safe="")
        files = (path for path in sorted(root.rglob("*")) if path.is_file())
        entries = (
            FileEntry.of(path.relative_to(root).as_posix(), path.read_bytes()) for path in files
        )
        return {entry.path: entry for entry in entries}

    def read(self, branch: str, path: str) -> bytes:
        """The content of file `path` of `branch`."""
        return (self.folder / quote(branch, safe="") / path).read_bytes()


class RepoStore:
    """The replica root: repos are written here by tests and read here by the server."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, repo_type: str, repo_id: str) -> Path:
        return self.root / f"{repo_type}s" / repo_id

    def write(
        self,
        repo_type: str,
        repo_id: str,
        files: Mapping[str, bytes | Path],
        revision: str = "main",
        gated: bool = False,
        old_names: Iterable[str] = (),
    ) -> str:
        """Store `files` (path in repo -> content or local file) as branch `revision` of the
        `repo_type` ("model" or "dataset") repo `repo_id` ("namespace/name"), replacing that
        branch. `gated` and `old_names` (ids that redirect here) apply to the whole repo, as the
        last call set them. Returns the branch's commit sha."""
        namespace, _, name = repo_id.partition("/")
        if not namespace or not name or "/" in name:
            raise ValueError(f"a repo id today is 'namespace/name', got {repo_id!r}")
        folder = self._folder(repo_type, repo_id)
        branch_folder = folder / quote(revision, safe="")
        shutil.rmtree(branch_folder, ignore_errors=True)
        entries = []
        for path, content in files.items():
            data = content.read_bytes() if isinstance(content, Path) else content
            (branch_folder / path).parent.mkdir(parents=True, exist_ok=True)
            (branch_folder / path).write_bytes(data)
            entries.append(FileEntry.of(path, data))
        settings_file = folder / REPO_FILE
        revisions = (
            json.loads(settings_file.read_text())["revisions"] if settings_file.exists() else {}
        )
        revisions[revision] = commit_sha(entries)
        settings = {"gated": gated, "old_names": sorted(old_names), "revisions": revisions}
        settings_file.write_text(json.dumps(settings, indent=1) + "\n")
        return revisions[revision]

    def find(self, repo_type: str, repo_id: str) -> Repo | None:
        """The repo `repo_id` of `repo_type`, or None."""
        folder = self._folder(repo_type, repo_id)
        if repo_id.count("/") != 1 or not (folder / REPO_FILE).is_file():
            return None
        return Repo(folder, repo_type, repo_id)

    def renamed_to(self, repo_type: str, old_name: str) -> str | None:
        """The id of the repo that `old_name` was renamed to, or None."""
        for settings_file in sorted(self.root.glob(f"{repo_type}s/*/*/{REPO_FILE}")):
            if old_name in json.loads(settings_file.read_text())["old_names"]:
                return settings_file.parent.relative_to(self.root / f"{repo_type}s").as_posix()
        return None
