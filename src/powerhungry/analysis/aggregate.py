"""Gather the per-cell measurement files into one tidy table."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from powerhungry.columns import (
    CELL_KEY,
    DATASET_SUBSTITUTE,
    DEFAULT_SCENARIO,
    ENERGY_COLUMNS,
    FAILED_PHASE,
    IDLE_COLUMNS,
    MEASUREMENT_KEY,
    SCENARIO,
)
from powerhungry.invocation import rerun_command
from powerhungry.scenarios import scenario_suffix
from powerhungry.study import result_path
from powerhungry.table_schema import integer_columns

MISSING_COLUMNS = [
    *CELL_KEY,
    DATASET_SUBSTITUTE,
    # The scenario's settings, as the failed cell's row recorded them.
    "batch_size",
    "dtype",
    "attention",
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
    # With the options of the run that failed it: Snakemake prints that command at the end.
    missing["rerun"] = [
        rerun_command([], [result_path(t, m, d, "measurements", ".csv", scenario_suffix(s))])
        for s, t, m, d in missing[[SCENARIO, "task", "model", "dataset"]].itertuples(index=False)
    ]
    for column in MISSING_COLUMNS:
        if column not in missing.columns:
            missing[column] = ""
    measured = table[~failed].drop(columns="error", errors="ignore")
    return measured.reset_index(drop=True), missing[MISSING_COLUMNS].reset_index(drop=True)


def with_scenario(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with its SCENARIO column, DEFAULT_SCENARIO in rows without one: rows measured
    before scenarios existed, and the paper's, were measured under the protocol's own settings
    (powerhungry.scenarios)."""
    scenario = table.get(SCENARIO, pd.Series(DEFAULT_SCENARIO, index=table.index, dtype=object))
    return table.assign(**{SCENARIO: scenario.fillna(DEFAULT_SCENARIO)})


def default_scenario(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of the default deployment scenario (the protocol's own settings); a table
    without scenarios as it is."""
    if SCENARIO not in table.columns:
        return table
    return table[table[SCENARIO].fillna(DEFAULT_SCENARIO) == DEFAULT_SCENARIO]


def gather_measurements(paths: Iterable[str | Path]) -> pd.DataFrame:
    frames = [pd.read_csv(path) for path in paths]
    if not frames:
        raise ValueError("no measurement files to aggregate")
    table = with_scenario(pd.concat(frames, ignore_index=True))
    ordered = [*MEASUREMENT_KEY, *ENERGY_COLUMNS]
    missing = [c for c in ordered if c not in table.columns]
    if missing:
        raise ValueError(f"measurement files lack columns: {', '.join(missing)}")
    key = list(MEASUREMENT_KEY)
    duplicated = table.duplicated(key)
    if duplicated.any():
        raise ValueError(f"duplicate measurement rows:\n{table.loc[duplicated, key]}")
    for column in IDLE_COLUMNS:  # rows measured before jobs took their own baseline
        if column not in table.columns:
            table[column] = float("nan")
    # A column some rows lack (a failed cell's, a cell measured whole beside split ones) reads
    # as floats, which would be written as "494018.0": integers stay integers, empty where absent.
    for column in integer_columns("measurements", table.columns):
        table[column] = table[column].astype("Int64")
    table = table[ordered + [c for c in table.columns if c not in ordered]]
    return table.sort_values(key, ignore_index=True)
