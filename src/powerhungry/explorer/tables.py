"""The explorer's input files: optional tables, and the provenance lines that name them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from powerhungry.files import sha256_of


def read_optional_table(path: str | Path | None, **read_csv: Any) -> pd.DataFrame | None:
    """A CSV file as a DataFrame (possibly empty, e.g. a header only), or None when there is no
    path, no file or no content at all (an optional input); `read_csv` options go to pandas."""
    if path is None or not Path(path).is_file() or Path(path).stat().st_size == 0:
        return None
    try:
        return pd.read_csv(path, **read_csv)
    except pd.errors.EmptyDataError:  # whitespace only: no header to read
        return None


def table_provenance(tables: Mapping[str, str | Path | None]) -> dict[str, str]:
    """{name: path or None} of the input tables → {"<name> table": "<path> (sha256 <16 hex>)"},
    or "absent" for a missing one, so a page found later names what it shows."""
    return {
        f"{name} table": (
            f"{path} (sha256 {sha256_of(path)[:16]})" if path and Path(path).is_file() else "absent"
        )
        for name, path in tables.items()
    }
