"""Column names of a local dataset file, read cheaply so a config can be checked before any job.

Hub datasets cannot be checked without the network; their columns are checked when sampled.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

IMAGE_FOLDER_COLUMN = "image"
METADATA_FILE = "metadata.jsonl"


def local_columns(path: str) -> set[str] | None:
    """The columns of a local parquet/CSV/JSON(L) file or image folder; None if unknown."""
    source = Path(path)
    if source.is_dir():
        metadata = source / METADATA_FILE
        return {IMAGE_FOLDER_COLUMN} | (_jsonl_keys(metadata) if metadata.is_file() else set())
    if not source.is_file():
        return None  # reported, naming the dataset, by the sampling job
    suffix = source.suffix.lower()
    if suffix == ".jsonl":
        return _jsonl_keys(source)
    if suffix == ".csv":
        with source.open(newline="") as handle:
            return set(next(csv.reader(handle), []))
    if suffix == ".parquet":
        import pyarrow.parquet

        return set(pyarrow.parquet.read_schema(source).names)
    return None


def _jsonl_keys(path: Path) -> set[str]:
    with path.open() as handle:
        first = handle.readline()
    return set(json.loads(first)) if first.strip() else set()
