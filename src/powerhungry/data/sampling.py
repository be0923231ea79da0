"""Draw the N samples a study measures, from a hub dataset or a local file.

Paper default: the first N rows of the split, in order (streaming `load_dataset(...).take(N)`).
A seed shuffles the whole split first instead (useful where a split is sorted by label, e.g. IMDB).

A hub dataset's revision is first resolved to a commit, which is then what is read and what is
recorded with the sample: a branch that moves between the two cannot make the record wrong. The
Hub is whatever `HF_ENDPOINT` names (huggingface_hub and datasets both read it), so a local
replica of the Hub serves this code unchanged.
"""

from __future__ import annotations

import re
import tempfile
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import datasets
import pandas as pd

from powerhungry.data.hub import PARQUET_EXPORT
from powerhungry.data.image_urls import SkippedRow, rows_with_images
from powerhungry.data.preprocess import preprocess_row
from powerhungry.data.sample_record import SampleRecord, write_sample_record
from powerhungry.files import sha256_of, write_atomic
from powerhungry.study import DatasetSpec

# A file of the Hub's parquet export: {config}/{split}/NNNN.parquet (partial-{split} if cut).
EXPORT_FILE = re.compile(r"[^/]+/[^/]+/\d+\.parquet")
LOCAL_FORMATS = {".parquet": "parquet", ".csv": "csv", ".json": "json", ".jsonl": "json"}
# A local directory is read as an image folder (images plus an optional metadata.jsonl).
IMAGE_FOLDER = "imagefolder"


class DatasetSourceError(ValueError):
    """A dataset source that is missing, of an unknown format, too small or lacks a field."""


def resolve_commit(spec: DatasetSpec) -> str | None:
    """The commit the dataset's revision (None: the default branch) points to on the Hub now;
    None for a local source, which has no commit (never a made-up one)."""
    if spec.hub is None:
        return None
    from huggingface_hub import HfApi

    revision = spec.revision or "the default branch"
    try:
        info = HfApi().dataset_info(spec.hub, revision=spec.revision)
    except Exception as error:  # HTTP errors, and the transport's own (not OSError)
        raise DatasetSourceError(
            f"dataset {spec.id!r}: cannot resolve {revision} of {spec.hub!r} on the hub: "
            f"{type(error).__name__}: {error}"
        ) from error
    check_layout(spec, [sibling.rfilename for sibling in info.siblings or []])
    commit = info.sha
    if not commit:
        raise DatasetSourceError(
            f"dataset {spec.id!r}: the hub gave no commit for {revision} of {spec.hub!r}"
        )
    return str(commit)


def check_layout(spec: DatasetSpec, files: list[str]) -> None:
    """Refuse, naming the fix, what `datasets` would read wrong or refuse with no hint: a
    loading script on the revision read (datasets >= 4 runs none), a parquet export of several
    configs read without `data_dir` (their rows would be mixed), a `data_dir` the revision lacks.
    `files`: the repo's paths at the revision."""
    name = str(spec.hub).rsplit("/", 1)[-1]
    folders = sorted({path.split("/", 1)[0] for path in files if "/" in path})
    if f"{name}.py" in files:
        raise DatasetSourceError(
            f"dataset {spec.id!r}: {spec.hub!r} is a loading script ({name}.py), which the "
            f"datasets library no longer runs; read the Hub's parquet export of it: revision: "
            f"{PARQUET_EXPORT}, with data_dir: <config> (one folder per config of the script)"
        )
    prefix = f"{str(spec.data_dir).strip('/')}/"
    if spec.data_dir is not None and not any(path.startswith(prefix) for path in files):
        raise DatasetSourceError(
            f"dataset {spec.id!r}: data_dir {spec.data_dir!r} is not a folder of {spec.hub!r} at "
            f"{spec.revision or 'the default branch'} (folders: {', '.join(folders) or 'none'})"
        )
    # The export named by its branch, or by one of its commits (no README, only
    # {config}/{split}/NNNN.parquet).
    exported = spec.revision == PARQUET_EXPORT or (
        "README.md" not in files
        and any(path.endswith(".parquet") for path in files)
        and all(EXPORT_FILE.fullmatch(path) for path in files if not path.startswith("."))
    )
    if exported and spec.data_dir is None and len(folders) > 1:
        raise DatasetSourceError(
            f"dataset {spec.id!r}: the parquet export of {spec.hub!r} holds configs "
            f"{', '.join(folders)}; read without data_dir their rows would be mixed: set "
            "data_dir to one of them"
        )


def load_arguments(spec: DatasetSpec, commit: str | None, cache_dir: str) -> dict[str, Any]:
    """The keyword arguments of `datasets.load_dataset` that read the dataset's rows: a hub
    dataset at `commit` (its resolved revision), or a local file or image folder."""
    if spec.path is None:
        return {
            "path": spec.hub,
            "name": spec.config,
            "data_dir": spec.data_dir,
            "split": spec.split,
            "revision": commit,
            # Streaming reads only the rows taken; a shuffle needs the whole split.
            "streaming": spec.shuffle_seed is None,
            "cache_dir": cache_dir,
        }
    path = Path(spec.path)
    if path.is_dir():
        return {
            "path": IMAGE_FOLDER,
            "data_dir": str(path),
            "split": "train",
            "cache_dir": cache_dir,
        }
    if not path.is_file():
        raise DatasetSourceError(f"dataset {spec.id!r}: local path {str(path)!r} does not exist")
    builder = LOCAL_FORMATS.get(path.suffix.lower())
    if builder is None:
        raise DatasetSourceError(
            f"dataset {spec.id!r}: cannot read {path.suffix!r} files "
            f"(use one of {', '.join(sorted(LOCAL_FORMATS))} or an image folder)"
        )
    return {"path": builder, "data_files": str(path), "split": "train", "cache_dir": cache_dir}


@dataclass(frozen=True)
class Drawn:
    """The samples (`sample`), and, for images fetched by URL (`image_urls`), the index in the
    split's order of each sample's source row and the rows skipped (dead links)."""

    frame: pd.DataFrame
    source_rows: list[int] | None = None
    skipped_rows: list[SkippedRow] = field(default_factory=list)


def sample(spec: DatasetSpec, commit: str | None = None) -> pd.DataFrame:
    """The measured samples: one row per sample, one column per field role, plus sample_index.
    A hub dataset is read at `commit` (None: its default branch, as it is now)."""
    return draw(spec, commit).frame


def draw(spec: DatasetSpec, commit: str | None = None) -> Drawn:
    """`sample`, with where the samples came from. Raises DatasetSourceError."""
    # A local file's Arrow copy is scratch: it must not pile up in the user's ~/.cache.
    with tempfile.TemporaryDirectory(prefix="powerhungry-dataset-") as scratch:
        rows = datasets.load_dataset(**load_arguments(spec, commit, scratch))
        if spec.shuffle_seed is not None:
            rows = rows.shuffle(seed=spec.shuffle_seed)
        source_rows, skipped = None, []
        if spec.image_urls:
            taken, source_rows, skipped = rows_with_images(rows, spec.fields["image"], spec.samples)
        else:
            taken = list(rows.take(spec.samples))
        features = dict(rows.features) if rows.features is not None else None
        if len(taken) < spec.samples and skipped:
            reasons = Counter(row.reason for row in skipped).most_common()
            raise DatasetSourceError(
                f"dataset {spec.id!r}: of the first {len(taken) + len(skipped)} rows of "
                f"{spec.source}, {len(skipped)} image URLs gave no image "
                f"({', '.join(f'{n}x {reason}' for reason, n in reasons)}), leaving "
                f"{len(taken)} of the {spec.samples} samples asked for; ask for fewer, or check "
                "this host's access to the image hosts"
            )
        if len(taken) < spec.samples:
            raise DatasetSourceError(
                f"dataset {spec.id!r}: {spec.source} has {len(taken)} rows, the config asks for "
                f"{spec.samples} samples"
            )
        columns = set(taken[0])
        for role, column in spec.fields.items():
            if column not in columns:
                raise DatasetSourceError(
                    f"dataset {spec.id!r}: field {role}={column!r} is not a column of "
                    f"{spec.source} (columns: {', '.join(sorted(columns))})"
                )
        try:
            frame = pd.DataFrame([preprocess_row(spec, row, features) for row in taken])
        except (ValueError, TypeError, KeyError) as error:
            raise DatasetSourceError(f"dataset {spec.id!r}: cannot preprocess: {error}") from error
    frame.insert(0, "sample_index", range(len(frame)))
    return Drawn(frame, source_rows, skipped)


def write_sample(
    spec: DatasetSpec, samples_path: str, checksum_path: str, record_path: str
) -> SampleRecord:
    """Write the samples as parquet, its sha256 (the checksum recorded with every result) and
    the record of where they came from (the commit on every result)."""
    commit = resolve_commit(spec)
    drawn = draw(spec, commit)
    frame = drawn.frame
    write_atomic(samples_path, lambda tmp: frame.to_parquet(tmp, index=False))
    checksum = sha256_of(samples_path)
    write_atomic(
        checksum_path, lambda tmp: tmp.write_text(f"{checksum}  {Path(samples_path).name}\n")
    )
    record = SampleRecord(
        dataset=spec.id,
        task=spec.task,
        hub=spec.hub,
        path=spec.path,
        config=spec.config,
        data_dir=spec.data_dir,
        split=spec.split,
        revision=spec.revision,
        commit=commit,
        rows=len(frame),
        sha256=checksum,
        sampled_at=datetime.now(UTC).isoformat(timespec="seconds"),
        source_rows=drawn.source_rows,
        skipped_rows=[asdict(row) for row in drawn.skipped_rows] if spec.image_urls else None,
    )
    write_sample_record(record_path, record)
    return record
