"""Gather the per-cell measurement files into one tidy table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from powerhungry.study import slug

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


# The phase of the one row a cell whose model failed writes instead of measurements.
FAILED_PHASE = "failed"
MISSING_COLUMNS = [
    "task",
    "model",
    "model_kind",
    "dataset",
    "error",
    "hostname",
    "gpu_model",
    "slurm_job_id",
    "ended_at",
    "rerun",
]


def split_failed(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The measured rows, and one row per cell that failed (its error, where, how to rerun)."""
    failed = table["phase"] == FAILED_PHASE
    missing = table[failed].copy()
    missing["rerun"] = [
        f"snakemake --forcerun results/measurements/{t}/{slug(m)}/{d}.csv"
        for t, m, d in zip(missing["task"], missing["model"], missing["dataset"], strict=True)
    ]
    for column in MISSING_COLUMNS:
        if column not in missing.columns:
            missing[column] = ""
    measured = table[~failed].drop(columns="error", errors="ignore")
    return measured.reset_index(drop=True), missing[MISSING_COLUMNS].reset_index(drop=True)


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
