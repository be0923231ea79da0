"""Gather the per-cell measurement files into one tidy table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

# One row per task, model, dataset, repetition and phase; provenance columns follow these.
KEY_COLUMNS = ["task", "model", "model_kind", "dataset", "phase", "repetition"]
ENERGY_COLUMNS = [
    "n_inferences",
    "duration_s",
    "energy_kwh",
    "gpu_energy_kwh",
    "cpu_energy_kwh",
    "ram_energy_kwh",
    "emissions_kg",
]


def gather_measurements(paths: Iterable[str | Path]) -> pd.DataFrame:
    frames = [pd.read_csv(path) for path in paths]
    if not frames:
        raise ValueError("no measurement files to aggregate")
    table = pd.concat(frames, ignore_index=True)
    missing = [c for c in KEY_COLUMNS + ENERGY_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"measurement files lack columns: {', '.join(missing)}")
    duplicated = table.duplicated(KEY_COLUMNS)
    if duplicated.any():
        raise ValueError(f"duplicate measurement rows:\n{table.loc[duplicated, KEY_COLUMNS]}")
    ordered = KEY_COLUMNS + ENERGY_COLUMNS
    table = table[ordered + [c for c in table.columns if c not in ordered]]
    return table.sort_values(KEY_COLUMNS, ignore_index=True)
