"""A cell's files: the sampled dataset it reads, and the three it writes (tidy measurement rows,
CodeCarbon's own rows, one prediction per sample), each written atomically. CSV by the standard
library and parquet by pyarrow: no pandas in a measurement job."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from powerhungry.files import write_atomic, write_csv
from powerhungry.tasks.base import Prediction

# The predictions file's columns: the sample it answers, then the Prediction's fields.
_ARROW_TYPES = {"str": pa.string(), "int": pa.int64(), "bool": pa.bool_()}
PREDICTIONS_SCHEMA = pa.schema(
    [("sample_index", pa.int64())]
    + [(f.name, _ARROW_TYPES[str(f.type)]) for f in fields(Prediction)]
)


@dataclass(frozen=True)
class CellOutputs:
    """Where a cell's results go: tidy rows (CSV), CodeCarbon's rows (CSV), predictions
    (parquet); and, while it runs, its checkpoint (`checkpoint`)."""

    measurements: Path
    codecarbon: Path
    predictions: Path

    @property
    def checkpoint(self) -> Path:
        """The repetitions finished so far (JSON), beside the measurements: not an output of
        the rule, so Snakemake keeps it when the job is killed, and the next attempt resumes
        from it. Removed once the cell's files are written."""
        return self.measurements.with_name(f"{self.measurements.stem}.checkpoint.json")


def read_checkpoint(path: Path, fingerprint: str) -> dict[str, list[dict[str, Any]]] | None:
    """The finished repetitions a checkpoint holds (`rows`, `codecarbon_rows`,
    `predictions`), if it was written for the same job (`fingerprint`); None if there is none,
    or it is another job's (a changed spec): that one is removed, never mixed in."""
    if not path.is_file():
        return None
    saved = json.loads(path.read_text())
    if saved.get("fingerprint") != fingerprint:
        path.unlink()
        return None
    return {key: saved[key] for key in ("rows", "codecarbon_rows", "predictions")}


def write_checkpoint(
    path: Path,
    fingerprint: str,
    rows: Sequence[Mapping[str, Any]],
    codecarbon_rows: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
) -> None:
    """Save the finished repetitions atomically: a job killed while writing leaves the
    previous checkpoint whole."""
    text = json.dumps(
        {
            "fingerprint": fingerprint,
            "rows": list(rows),
            "codecarbon_rows": list(codecarbon_rows),
            "predictions": list(predictions),
        },
        default=str,
    )
    write_atomic(path, lambda tmp: tmp.write_text(text))


def read_samples(path: Path) -> list[dict[str, Any]]:
    """The sampled dataset (results/samples/...parquet) as one dict per sample."""
    return pq.read_table(path).to_pylist()


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows as dicts of its text, unchanged (CodeCarbon's own numbers stay as written)."""
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def write_cell(
    outputs: CellOutputs,
    rows: Sequence[Mapping[str, Any]],
    codecarbon_rows: Sequence[Mapping[str, Any]],
    predictions: Sequence[Mapping[str, Any]],
) -> None:
    """Write the three files, the measurement rows last (the rule's first output: a cell with
    measurements has its predictions and CodeCarbon rows). A cell without CodeCarbon rows (its
    model failed) gets an empty file, and an empty predictions table with the usual columns."""
    if codecarbon_rows:
        write_csv(outputs.codecarbon, codecarbon_rows)
    else:
        write_atomic(outputs.codecarbon, lambda tmp: tmp.write_text(""))
    table = pa.Table.from_pylist(list(predictions), schema=PREDICTIONS_SCHEMA)
    write_atomic(outputs.predictions, lambda tmp: pq.write_table(table, tmp))
    write_csv(outputs.measurements, rows)
