"""Where a sample came from: the JSON record written beside its parquet file.

Sampling runs on the submit host, which can ask the Hub; measurement jobs are offline and read
the dataset's requested revision and resolved commit from here, never from the Hub. Kept apart
from `sampling` so that reading it imports nothing heavy.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from powerhungry.files import write_atomic


@dataclass(frozen=True)
class SampleRecord:
    dataset: str
    task: str
    hub: str | None  # the repository; None for a local source
    path: str | None  # the local file or folder; None for a hub source
    config: str | None
    data_dir: str | None
    split: str
    revision: str | None  # as the config asks (None: the repository's default branch)
    commit: str | None  # the commit that revision resolved to when sampled; None when local
    rows: int
    sha256: str
    sampled_at: str
    # Images fetched by URL (`image_urls`): each sample's row index in the split's order, and
    # the rows skipped ({"row", "url", "reason"}: dead links). None for other datasets, whose
    # samples are the split's first rows (or a seeded shuffle of it).
    source_rows: list[int] | None = None
    skipped_rows: list[dict[str, Any]] | None = None


def write_sample_record(path: str | Path, record: SampleRecord) -> None:
    text = json.dumps(asdict(record), indent=2) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text))


def read_sample_record(path: str | Path) -> SampleRecord:
    return SampleRecord(**json.loads(Path(path).read_text()))
