"""The replica as tests use it: a store and its server in a background thread, the environment
that points the Hugging Face clients at it, and the log of what they asked for."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from .server import HubReplicaServer, RequestRecord
from .store import RepoStore

# Switches that would keep the clients off the replica; the environment sets them to "0" rather
# than dropping them, so that it still wins when merged into one that has them (tests/conftest.py
# sets the first two for the whole test session).
OFFLINE_SWITCHES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE")
# A token from the caller's environment would be sent to the replica: tests choose their own.
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


class HubReplica:
    """A Hub on 127.0.0.1 serving the repos under `root`, for as long as the `with` block lasts.

    Gated repos are served to requests bearing one of `accepted_tokens`. Child processes reach it
    through `env`: the clients read `HF_ENDPOINT` at import, so client code runs in a process
    started with that environment (see hub_replica.client.run_client).
    """

    def __init__(self, root: Path, accepted_tokens: Iterable[str]) -> None:
        self.store = RepoStore(root / "repos")
        self.hf_home = root / "hf-home"
        self.server = HubReplicaServer(self.store, accepted_tokens)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HubReplica:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    @property
    def endpoint(self) -> str:
        """The replica's URL, `http://127.0.0.1:{port}`."""
        return self.server.endpoint

    @property
    def env(self) -> dict[str, str]:
        """This process's environment pointed at the replica: `HF_ENDPOINT`, its own `HF_HOME`
        (so no cache outside the replica's folder is read or written), telemetry off, the
        offline switches at "0", no proxy for 127.0.0.1 and no token."""
        env = {key: value for key, value in os.environ.items() if key not in TOKEN_VARIABLES}
        env.update(dict.fromkeys(OFFLINE_SWITCHES, "0"))
        env.update(
            # A proxy from the caller's environment must not carry loopback requests away.
            NO_PROXY="127.0.0.1",
            no_proxy="127.0.0.1",
            HF_ENDPOINT=self.endpoint,
            HF_HOME=str(self.hf_home),
            HF_HUB_DISABLE_TELEMETRY="1",
            HF_HUB_DISABLE_PROGRESS_BARS="1",
            HF_DATASETS_DISABLE_PROGRESS_BARS="1",
        )
        return env

    def add_model(
        self,
        repo_id: str,
        files: Mapping[str, bytes | Path],
        revision: str = "main",
        gated: bool = False,
        old_names: Iterable[str] = (),
    ) -> str:
        """Publish `files` as branch `revision` of model `repo_id`; returns the commit sha.
        `gated` and `old_names` (ids answered with a redirect to this repo) apply to the repo."""
        return self.store.write("model", repo_id, files, revision, gated, old_names)

    def add_dataset(
        self,
        repo_id: str,
        files: Mapping[str, bytes | Path],
        revision: str = "main",
        gated: bool = False,
        old_names: Iterable[str] = (),
    ) -> str:
        """Publish `files` as branch `revision` of dataset `repo_id`; returns the commit sha."""
        return self.store.write("dataset", repo_id, files, revision, gated, old_names)

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered since the last `clear_log`, in order."""
        with self.server.log_lock:
            return list(self.server.log)

    def clear_log(self) -> None:
        """Forget the requests answered so far."""
        with self.server.log_lock:
            self.server.log.clear()

    def downloaded(self, repo_id: str) -> list[str]:
        """The files of `repo_id` whose content was sent (a GET of `/resolve/`), in order."""
        return [
            record.file
            for record in self.requests
            if record.method == "GET"
            and record.repo == repo_id
            and record.file is not None
            and record.status in (200, 206)
        ]

    def problems(self) -> list[RequestRecord]:
        """Requests the replica could not serve: endpoints it lacks, or its own errors."""
        return [record for record in self.requests if record.problem]
