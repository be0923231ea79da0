"""Send a Snakemake script's output, warnings and traceback to its rule's log file."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from typing import TextIO


@contextmanager
def log_to(path: str) -> Iterator[None]:
    """Write the block's output, warnings, logging and traceback (if it raises) to `path`,
    truncated first."""
    with open(path, "w", buffering=1) as handle, logging_to(handle):
        yield


@contextmanager
def logging_to(handle: TextIO) -> Iterator[None]:
    """`log_to` on an open text file (a log handed over by another process)."""
    with redirect_stdout(handle), redirect_stderr(handle):
        logging.basicConfig(
            stream=handle, level=logging.INFO, format="%(asctime)s %(name)s %(message)s", force=True
        )
        logging.captureWarnings(True)
        try:
            yield
        except BaseException:
            traceback.print_exc()
            raise
