"""Measurement jobs are offline: they read only what the local rules put in the project's cache.

Compute nodes often have no internet, and a measurement that downloads would measure the network.
So a measurement job sets the Hugging Face offline switches before any Hugging Face library is
imported (they read them once, on import) and refuses every connection to a non-loopback address,
loudly: a library that swallowed the error would still leave the refusal in the job's log.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
from typing import Any

OFFLINE_ENVIRONMENT = {
    "HF_HUB_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
}
REFUSAL = "network access refused in a measurement job"
OFFLINE_NOTICE = "offline job: non-loopback connections refused"
LOCAL_NAMES = {"localhost", "", None}


class NetworkAccessError(ConnectionRefusedError):
    """A measurement job tried to reach the network."""


def offline_job() -> None:
    """Make this process offline; call it before importing transformers, datasets or diffusers."""
    os.environ.update(OFFLINE_ENVIRONMENT)
    socket.socket.connect = _guarded(socket.socket.connect)  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded(socket.socket.connect_ex)  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_lookup(socket.getaddrinfo)
    print(f"{OFFLINE_NOTICE}: {' '.join(f'{k}={v}' for k, v in OFFLINE_ENVIRONMENT.items())}")


def _refuse(target: Any) -> None:
    message = f"{REFUSAL}: {target!r} (models and samples must come from the prepared cache)"
    print(message, file=sys.stderr, flush=True)
    raise NetworkAccessError(message)


def _is_loopback(host: Any) -> bool:
    if host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded(connect: Any) -> Any:
    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            _refuse(address)
        return connect(self, address)

    return guarded


def _guarded_lookup(getaddrinfo: Any) -> Any:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_loopback(host if not isinstance(host, bytes) else host.decode()):
            _refuse(host)
        return getaddrinfo(host, *args, **kwargs)

    return guarded
