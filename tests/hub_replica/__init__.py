"""A Hugging Face Hub replica on loopback, for tests that must prove, without network, that the
unmodified clients (huggingface_hub, datasets, transformers, diffusers) work against today's Hub
through `HF_ENDPOINT`: real HTTP to a real server on 127.0.0.1, no library patched.

Why not olah (PyPI `olah` 0.5.4, evaluated in the shared notes' recipes/local_hub_olah.sh):
serving local mirrors offline, it does not answer
1. `GET /api/{models|datasets}/{repo}` without a revision (it asks upstream for the latest
   commit), so `HfApi().model_info(repo)` fails;
2. revisions containing slashes (`refs/convert/parquet`: its route splits the path);
3. gated repos (every mirror is public);
4. redirects of renamed repos;
and the study needs all four. This replica is a small stdlib `http.server` instead.

- store.py: repos as plain folders per revision, with a repo.json (gated, old names, shas).
- server.py: the endpoints, and the request log.
- replica.py: `HubReplica`, server thread + client environment + log queries.
- builders.py: the files of the repos tests publish (parquet and script datasets, tiny model).
- client.py: running client code in a child process pointed at the replica.
"""

from .client import run_client
from .replica import HubReplica
from .server import RequestRecord

__all__ = ["HubReplica", "RequestRecord", "run_client"]
