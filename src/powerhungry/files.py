"""Writing result files so that a reader never sees a half-written one."""

from __future__ import annotations

import csv
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; move it onto `target` only if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); results are shared like any file the user writes.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(target: str | os.PathLike[str], write: Callable[[Path], object]) -> None:
    """Call `write(tmp_path)` and move the result onto `target` atomically."""
    with atomic_path(target) as tmp:
        write(tmp)


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_csv(target: str | os.PathLike[str], rows: Sequence[Mapping[str, object]]) -> None:
    """Write `rows` (dicts) as a CSV atomically: columns in first-seen order, None as an empty
    field (a quantity not measured stays empty, never 0)."""
    columns = list(dict.fromkeys(key for row in rows for key in row))

    def write(tmp: Path) -> None:
        with tmp.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    write_atomic(target, write)


def write_table(target: str | os.PathLike[str], table: pd.DataFrame) -> None:
    """Write a pandas table as a CSV atomically, without its index (the counterpart of
    `read_table`; missing values are empty fields)."""
    write_atomic(target, lambda tmp: table.to_csv(tmp, index=False))


def read_table(path: str | Path) -> pd.DataFrame:
    """A CSV table, or an empty one for an empty file (a step with nothing to report). Imports
    pandas on use: writing result files needs none."""
    import pandas as pd

    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
