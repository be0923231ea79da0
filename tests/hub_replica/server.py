"""The replica's HTTP server: the endpoints of the Hugging Face Hub that the pinned clients
(huggingface_hub 2.4.0, datasets 5.2.0, transformers 5.24.0, diffusers 0.42.1) call to read
public, gated and renamed repos. Client line numbers below are in those versions.

Anything else is answered 404 with the method and path in the message, printed on stderr and
marked in the request log (`RequestRecord.problem`), so that a gap shows instead of a client
silently falling back. A handler exception is answered 500 and marked the same way.
"""

from __future__ import annotations

import hashlib
import json
import sys
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

from .store import FileEntry, Repo, RepoStore

# Hub answers carry real dates; the replica's are fixed so that answers are reproducible.
LAST_MODIFIED = "2024-01-01T00:00:00.000Z"
# Path segments that follow a repo id: a one-segment (legacy) id is followed by one of these.
SUBPATHS = {"revision", "tree", "paths-info", "resolve", "auth-check"}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server answered it. `repo` and `file` are set for file downloads and
    metadata requests (`/resolve/`); `problem` for requests the replica does not serve."""

    method: str
    path: str
    status: int
    bytes: int
    repo: str | None = None
    file: str | None = None
    problem: str | None = None


class HubReplicaServer(ThreadingHTTPServer):
    """A Hub on 127.0.0.1 serving the repos of `store`. Gated repos are served to requests
    bearing one of `accepted_tokens`, as if those users had accepted the repo's conditions."""

    daemon_threads = True

    def __init__(self, store: RepoStore, accepted_tokens: Iterable[str]) -> None:
        super().__init__(("127.0.0.1", 0), ReplicaHandler)
        self.store = store
        self.accepted_tokens = frozenset(accepted_tokens)
        self.log: list[RequestRecord] = []
        self.log_lock = threading.Lock()

    @property
    def endpoint(self) -> str:
        """The URL to set as HF_ENDPOINT."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


class HubError(Exception):
    """An error answer as the Hub gives it: status, `X-Error-Code` and message."""

    def __init__(
        self, status: int, code: str | None, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class ReplicaHandler(BaseHTTPRequestHandler):
    """Routes one request. Paths are split on "/" before unquoting, so that a quoted revision
    (`refs%2Fconvert%2Fparquet`, hf_api.py:3205, file_download.py:290) stays one segment."""

    protocol_version = "HTTP/1.1"  # keep-alive, as httpx2 expects of the Hub
    server: HubReplicaServer

    def do_GET(self) -> None:
        self.dispatch()

    def do_HEAD(self) -> None:
        self.dispatch()

    def do_POST(self) -> None:
        self.dispatch()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the request log replaces http.server's stderr lines."""

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        self.query = parse_qs(url.query)
        self.body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.repo_id: str | None = None
        self.file: str | None = None
        segments = url.path.strip("/").split("/")
        try:
            if segments[:1] == ["api"] and segments[1:2] in (["models"], ["datasets"]):
                self.api(segments[1][:-1], segments[2:])
            elif "resolve" in segments:
                self.resolve(segments)
            else:
                self.not_implemented()
        except HubError as error:
            self.send_error_answer(error)
        except Exception:
            trace = traceback.format_exc()
            print(f"hub replica: error in {self.command} {self.path}\n{trace}", file=sys.stderr)
            self.send_error_answer(HubError(500, None, trace), problem="server error")

    # ------------------------------------------------------------------ routes

    def api(self, repo_type: str, segments: list[str]) -> None:
        """`/api/{models|datasets}/{repo_id}[/revision/{rev}|/tree/{rev}[/{path}]|/paths-info/{rev}
        |/auth-check]`."""
        found = self.find_repo(repo_type, segments, f"/api/{repo_type}s/")
        if found is None:
            return
        repo, rest = found
        if not rest and self.command == "GET":
            self.info(repo, "main")
        elif rest[:1] == ["revision"] and self.command == "GET":
            revision, path = split_revision(rest[1:])
            if path:
                self.not_implemented()
            else:
                self.info(repo, revision)
        elif rest[:1] == ["tree"] and self.command == "GET":
            self.check_access(repo)
            revision, path = split_revision(rest[1:])
            self.tree(repo, revision, path)
        elif rest == ["auth-check"] and self.command == "GET":
            # `auth_check` (hf_api.py:12116): 200 where the files may be read.
            self.check_access(repo)
            self.send_json({})
        elif rest[:1] == ["paths-info"] and self.command == "POST":
            self.check_access(repo)
            revision, _ = split_revision(rest[1:])
            self.paths_info(repo, revision)
        else:
            self.not_implemented()

    def resolve(self, segments: list[str]) -> None:
        """`/{repo_id}/resolve/{rev}/{path}` and `/datasets/{repo_id}/resolve/{rev}/{path}`."""
        at = segments.index("resolve")
        repo_type, prefix = (
            ("dataset", "/datasets/") if segments[0] == "datasets" else ("model", "/")
        )
        id_segments = segments[1:at] if repo_type == "dataset" else segments[:at]
        found = self.find_repo(repo_type, id_segments + segments[at:], prefix)
        if found is None:
            return
        repo, rest = found
        revision, path = split_revision(rest[1:])
        self.file = path
        if self.command not in ("GET", "HEAD"):
            self.not_implemented()
            return
        self.check_access(repo)
        self.send_file(repo, revision, path)

    def find_repo(
        self, repo_type: str, segments: list[str], prefix: str
    ) -> tuple[Repo, list[str]] | None:
        """The repo named by the first one or two segments, and the segments after its id;
        None once the request has been answered with a redirect.

        A renamed repo's old name is answered `307` to the same path under the new name, with a
        relative `Location`, as the Hub does; huggingface_hub's client follows it
        (utils/_http.py:347 `follow_redirects=True`; for HEAD /resolve, utils/_http.py:776).
        A missing repo is `RepoNotFound`: 401 without a token, 404 with one.
        """
        for length in (2, 1):
            repo_id = "/".join(unquote(segment) for segment in segments[:length])
            rest = segments[length:]
            if len(segments) < length or (length == 2 and segments[1] in SUBPATHS):
                continue
            repo = self.server.store.find(repo_type, repo_id)
            if repo is not None:
                self.repo_id = repo.id
                return repo, rest
            new_id = self.server.store.renamed_to(repo_type, repo_id)
            if new_id is not None:
                location = prefix + "/".join([new_id, *rest])
                query = urlsplit(self.path).query
                self.redirect(location + (f"?{query}" if query else ""))
                return None
        status = 404 if self.headers.get("Authorization") else 401
        raise HubError(status, "RepoNotFound", "Repository not found")

    # ------------------------------------------------------------------ answers

    def info(self, repo: Repo, revision: str) -> None:
        """`model_info`/`dataset_info` (hf_api.py:3203, :3274): the commit sha, the file list
        (`siblings`, with sizes and blob ids when `blobs=true`, hf_api.py:3211), the README's
        YAML header as `cardData`, `gated` ("manual" or False). The Hub serves a gated repo's
        info without a token; only its files are refused."""
        branch, sha = self.revision(repo, revision)
        files = repo.files(branch)
        blobs = flag(self.query, "blobs")
        card = card_data(repo.read(branch, "README.md")) if "README.md" in files else {}
        info = {
            "_id": sha[:24],
            "id": repo.id,
            "author": repo.id.split("/")[0],
            "sha": sha,
            "lastModified": LAST_MODIFIED,
            "createdAt": LAST_MODIFIED,
            "private": False,
            "disabled": False,
            "gated": "manual" if repo.gated else False,
            "downloads": 0,
            "likes": 0,
            "tags": card.get("tags", []),
            "cardData": card,
            "siblings": [sibling(entry, blobs) for entry in files.values()],
        }
        if repo.type == "model":
            info["modelId"] = repo.id
        self.send_json(info)

    def tree(self, repo: Repo, revision: str, folder: str) -> None:
        """`list_repo_tree` (hf_api.py:4023; snapshot_download, HfFileSystem.ls, which datasets
        globs data files with): the entries under `folder`, every level when `recursive=true`.
        One page: the replica's repos are far below the Hub's 1,000-entry page. `expand=true`
        (last commits, security scans; no client here asks) is not served."""
        if flag(self.query, "expand"):
            self.not_implemented()
            return
        branch, sha = self.revision(repo, revision)
        files = repo.files(branch)
        entries = tree_entries(files, sha)
        if folder and entries.get(folder, {}).get("type") != "directory":
            raise HubError(404, "EntryNotFound", f"{folder} does not exist on {revision}")
        recursive = flag(self.query, "recursive")
        base = f"{folder}/" if folder else ""
        listed = [
            entry
            for path, entry in entries.items()
            if path.startswith(base) and (recursive or "/" not in path[len(base) :])
        ]
        self.send_json(listed)

    def paths_info(self, repo: Repo, revision: str) -> None:
        """`get_paths_info` (hf_api.py:4332; HfFileSystem.info with `refresh=True`): a form with
        `paths` repeated; answers the entries of the paths that exist, in the tree's format.
        `expand=true` is not served, as for the tree."""
        form = parse_qs(self.body.decode())
        if flag(form, "expand"):
            self.not_implemented()
            return
        branch, sha = self.revision(repo, revision)
        entries = tree_entries(repo.files(branch), sha)
        self.send_json([entries[path] for path in form.get("paths", []) if path in entries])

    def send_file(self, repo: Repo, revision: str, path: str) -> None:
        """`hf_hub_download` HEAD then GET (file_download.py:1670, :334) and HfFileSystem range
        reads (hf_file_system.py:1575). HEAD needs `X-Repo-Commit` and an ETag
        (file_download.py:1789, :1800); LFS files add `X-Linked-Etag`/`X-Linked-Size` as the
        Hub's redirect to its CDN does. `Range: bytes=a-b|a-|-n` is answered 206."""
        branch, sha = self.revision(repo, revision)
        entry = repo.files(branch).get(path)
        if entry is None:
            raise HubError(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": sha})
        content = repo.read(branch, path)
        headers = file_headers(entry, sha)
        status = 200
        if "Range" in self.headers:
            span = byte_range(self.headers["Range"], entry.size)
            if span is None:
                raise HubError(
                    416, None, "Range Not Satisfiable", {"Content-Range": f"bytes */{entry.size}"}
                )
            start, end = span
            content = content[start : end + 1]
            headers["Content-Range"] = f"bytes {start}-{end}/{entry.size}"
            status = 206
        self.send(status, content, "application/octet-stream", headers)

    def check_access(self, repo: Repo) -> None:
        """A gated repo's files: 401 `GatedRepo` without a token, 403 with a token that is not
        accepted (the Hub's messages; utils/_http.py:888 turns both into GatedRepoError)."""
        if not repo.gated:
            return
        kind = f"{repo.type} {repo.id}"
        authorization = self.headers.get("Authorization", "")
        if not authorization.startswith("Bearer "):
            message = (
                f"Access to {kind} is restricted. You must have access to it and be "
                "authenticated to access it. Please log in."
            )
            raise HubError(401, "GatedRepo", message)
        if authorization.removeprefix("Bearer ") not in self.server.accepted_tokens:
            page = (
                f"https://huggingface.co/{'datasets/' if repo.type == 'dataset' else ''}{repo.id}"
            )
            message = (
                f"Access to {kind} is restricted and you are not in the authorized list. "
                f"Visit {page} to ask for access."
            )
            raise HubError(403, "GatedRepo", message)

    def revision(self, repo: Repo, revision: str) -> tuple[str, str]:
        """(branch, sha) of a branch or commit sha, else 404 `RevisionNotFound`."""
        resolved = repo.resolve(revision)
        if resolved is None:
            raise HubError(404, "RevisionNotFound", f"Invalid rev id: {revision}")
        return resolved

    # ------------------------------------------------------------------ sending

    def not_implemented(self) -> None:
        message = f"hub replica does not implement {self.command} {self.path}"
        print(message, file=sys.stderr)
        self.send_error_answer(HubError(404, None, message), problem="not implemented")

    def send_error_answer(self, error: HubError, problem: str | None = None) -> None:
        headers = dict(error.headers)
        if error.code:
            headers["X-Error-Code"] = error.code
        headers["X-Error-Message"] = error.message.splitlines()[-1]
        body = json.dumps({"error": error.message}).encode()
        self.send(error.status, body, "application/json", headers, problem)

    def send_json(self, value: object) -> None:
        self.send(200, json.dumps(value).encode(), "application/json", {})

    def redirect(self, location: str) -> None:
        self.send(307, b"", "text/plain", {"Location": location})

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str],
        problem: str | None = None,
    ) -> None:
        sent = 0 if self.command == "HEAD" else len(body)
        path = unquote(urlsplit(self.path).path)
        record = RequestRecord(self.command, path, status, sent, self.repo_id, self.file, problem)
        # Logged before answering: once a client has its answer, the log shows the request.
        with self.server.log_lock:
            self.server.log.append(record)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if sent:
            self.wfile.write(body)


def split_revision(segments: list[str]) -> tuple[str, str]:
    """(revision, path in repo) from the segments after `resolve`, `tree`, `revision` or
    `paths-info`. The clients always quote the revision (hf_api.py:3205, :4019,
    file_download.py:290), so `refs/convert/parquet` arrives as one segment."""
    return unquote(segments[0]), "/".join(unquote(segment) for segment in segments[1:])


def flag(values: dict[str, list[str]], name: str) -> bool:
    """A boolean query or form field as httpx2 encodes Python's True ("true")."""
    return values.get(name, [""])[-1].lower() == "true"


def card_data(readme: bytes) -> dict:
    """The YAML header of a README (`---` … `---`), as the Hub reports it in `cardData`."""
    text = readme.decode()
    if not text.startswith("---\n"):
        return {}
    header, _, _ = text[4:].partition("\n---")
    return yaml.safe_load(header) or {}


def sibling(entry: FileEntry, blobs: bool) -> dict:
    """An entry of `siblings` in repo info; sizes and ids only when `blobs=true`."""
    if not blobs:
        return {"rfilename": entry.path}
    result = {"rfilename": entry.path, "size": entry.size, "blobId": entry.oid}
    if entry.lfs_sha256:
        result["lfs"] = {
            "sha256": entry.lfs_sha256,
            "size": entry.size,
            "pointerSize": entry.lfs_pointer_size,
        }
    return result


def tree_entries(files: dict[str, FileEntry], sha: str) -> dict[str, dict]:
    """Every file and folder of a revision as the Hub's tree lists them, by path."""
    entries: dict[str, dict] = {}
    for entry in files.values():
        parts = entry.path.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            entries[folder] = {
                "type": "directory",
                "oid": tree_oid(sha, folder),
                "size": 0,
                "path": folder,
            }
        entries[entry.path] = file_entry(entry)
    return dict(sorted(entries.items()))


def file_entry(entry: FileEntry) -> dict:
    """A file in the Hub's tree and paths-info format (hf_api.py:680 `RepoFile`)."""
    result: dict = {"type": "file", "oid": entry.oid, "size": entry.size, "path": entry.path}
    if entry.lfs_sha256:
        result["lfs"] = {
            "oid": entry.lfs_sha256,
            "size": entry.size,
            "pointerSize": entry.lfs_pointer_size,
        }
    return result


def tree_oid(sha: str, folder: str) -> str:
    """A stable id for a folder of a commit (the Hub's is the git tree sha; no client reads it)."""
    return hashlib.sha1(f"{sha}:{folder}".encode()).hexdigest()


def file_headers(entry: FileEntry, sha: str) -> dict[str, str]:
    """The headers of a file answer that huggingface_hub reads (file_download.py:1676-1690)."""
    headers = {"X-Repo-Commit": sha, "ETag": f'"{entry.etag}"', "Accept-Ranges": "bytes"}
    if entry.lfs_sha256:
        headers["X-Linked-Etag"] = f'"{entry.lfs_sha256}"'
        headers["X-Linked-Size"] = str(entry.size)
    return headers


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single `bytes=` range over `size` bytes; None if unsatisfiable."""
    first, _, last = header.removeprefix("bytes=").partition("-")
    if not first:
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    return (start, end) if start <= end and start < size else None
