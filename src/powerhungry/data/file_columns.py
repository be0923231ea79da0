"""Column names of a local dataset file, read cheaply so a config can be checked before any job.

Hub datasets cannot be checked without the network; their columns are checked when sampled.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

IMAGE_FOLDER_COLUMN = "image"
METADATA_FILE = "metadata.jsonl"


# What the `imagefolder` builder of datasets reads as images (a subset of its extensions).
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp", ".tif", ".tiff"}


class LoadingScriptFolderError(ValueError):
    """A local folder that holds a dataset loading script and no images: not an image folder,
    and not something datasets >= 4 runs."""


def local_columns(path: str) -> set[str] | None:
    """The columns of a local parquet/CSV/JSON(L) file or image folder; None if unknown.
    Raises LoadingScriptFolderError for a folder holding a loading script and no image."""
    source = Path(path)
    if source.is_dir():
        scripts = sorted(script.name for script in source.glob("*.py"))
        images = (f for f in source.rglob("*") if f.suffix.lower() in IMAGE_SUFFIXES)
        if scripts and next(images, None) is None:
            raise LoadingScriptFolderError(
                f"{path} is a folder with a dataset loading script ({', '.join(scripts)}) and "
                "no images: datasets >= 4 runs no loading scripts, and a folder is read as "
                "images. Point path at the dataset's data file (parquet, CSV, JSON lines), or "
                "read it from the Hub (hub:) at its parquet export (revision: "
                "refs/convert/parquet)"
            )
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
