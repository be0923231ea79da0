"""The deployment scenarios compared (scenario_summary.csv): per scenario, task and model, what
an inference costs in energy and time at the scenario's batch size, dtype and attention
implementation, each with its 95% confidence interval, and its energy relative to the default
scenario (the protocol's own settings) on the same datasets.

Latency is the query phase's duration over its inferences (s per inference: a batch's time
shared by its samples); a request served in a batch of N waits for the whole batch,
`seconds_per_batch` (N times as long). Throughput is its inverse (inferences per s).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from powerhungry.analysis.aggregate import with_scenario
from powerhungry.analysis.compare import ratio_interval, recorded_text
from powerhungry.analysis.summary import (
    MAX_RELATIVE_HALFWIDTH,
    combined_halfwidth,
    imprecise,
    query_rows_per_1k,
)
from powerhungry.columns import CELL_KEY, DATASET, DEFAULT_SCENARIO, MODEL_KEY, SCENARIO
from powerhungry.measure.repetitions import halfwidth_95
from powerhungry.tasks import generates_text

# A scenario's settings as its measurement rows record them.
SETTINGS = ("batch_size", "dtype", "attention")
ENERGY = "energy_kwh_per_1k"
PER_TOKEN = "energy_kwh_per_1k_output_tokens"
LATENCY = "seconds_per_inference"
HALFWIDTH = "_halfwidth_95"
RATIO = "energy_ratio_to_default"
RELATIVE = "relative_halfwidth_95"  # the energy's half-width over its mean


def scenario_summary(
    measurements: pd.DataFrame,
    missing: pd.DataFrame | None = None,
    lengths: pd.DataFrame | None = None,
    max_relative_halfwidth: float = MAX_RELATIVE_HALFWIDTH,
) -> pd.DataFrame:
    """One row per scenario, task, model kind and model (MODEL_KEY), sorted by them: the
    scenario's settings (SETTINGS, from the rows), the datasets measured, and, each as the mean
    over those datasets of the mean over repetitions with its 95% half-width (Student t per
    cell, combined over cells as in model_summary): energy per 1,000 inferences (kWh; its
    half-width relative to it, `imprecise` where that is over `max_relative_halfwidth` or
    unknown, as in model_summary), per 1,000 output tokens where the model generates text and
    `lengths` (lengths.csv) counts them (kWh), seconds per inference and per batch (s),
    inferences per second (its half-width by the delta method, h_s / s^2).
    `energy_ratio_to_default` (with `_low` and `_high`, the 95% interval of
    `compare.ratio_interval`) is the energy over the default scenario's for the same model on
    the same datasets; empty for the default scenario itself and where the two measured
    different datasets. With `missing` (missing_cells.csv), how many cells of each
    failed and why (`n_cells_missing`, `missing_reason`): a model none of whose cells ran in a
    scenario keeps its row, its values empty, never 0."""
    # As floats: a nullable column (integers read back with gaps) would make pd.NA, not NaN.
    runs = query_rows_per_1k(measurements).astype({ENERGY: float, LATENCY: float})
    cells = _cells(runs, lengths)
    missing = with_scenario(missing) if missing is not None else missing
    models = cells.groupby(list(MODEL_KEY)).agg(
        datasets=(DATASET, lambda d: "; ".join(sorted(d))),
        n_datasets=(DATASET, "size"),
    )
    for metric in (ENERGY, PER_TOKEN, LATENCY):
        grouped = cells.groupby(list(MODEL_KEY))
        # A model's value where every one of its cells has one (a unit that applies to all).
        models[metric] = grouped[metric].agg(lambda v: v.mean() if v.notna().all() else math.nan)
        models[metric + HALFWIDTH] = grouped[metric + HALFWIDTH].apply(combined_halfwidth)
    models = _with_missing(models.reset_index(), missing)
    # Settings as recorded by the rows measured, and by those of the cells that failed.
    models = models.merge(
        scenario_settings(pd.concat([measurements, missing])), on=SCENARIO, how="left"
    )
    models[RELATIVE] = models[ENERGY + HALFWIDTH] / models[ENERGY]
    # Empty, not True, for a model none of whose cells ran: nothing was measured to be imprecise.
    models["imprecise"] = imprecise(models[RELATIVE], max_relative_halfwidth).where(
        models[ENERGY].notna()
    )
    batch = pd.to_numeric(models["batch_size"], errors="coerce")
    models["seconds_per_batch"] = models[LATENCY] * batch
    models["seconds_per_batch" + HALFWIDTH] = models[LATENCY + HALFWIDTH] * batch
    models["inferences_per_second"] = 1 / models[LATENCY]
    models["inferences_per_second" + HALFWIDTH] = models[LATENCY + HALFWIDTH] / models[LATENCY] ** 2
    models = _with_ratio_to_default(models, _where_and_when(measurements))
    columns = [
        *MODEL_KEY,
        *SETTINGS,
        "datasets",
        "n_datasets",
        "n_cells_missing",
        "missing_reason",
        *(m + s for m in (ENERGY, PER_TOKEN, LATENCY) for s in ("", HALFWIDTH)),
        RELATIVE,
        "imprecise",
        "seconds_per_batch",
        "seconds_per_batch" + HALFWIDTH,
        "inferences_per_second",
        "inferences_per_second" + HALFWIDTH,
        RATIO,
        RATIO + "_low",
        RATIO + "_high",
        "same_host_as_default",
        "hours_apart_from_default",
    ]
    return models[columns].sort_values(list(MODEL_KEY), ignore_index=True)


def _cells(runs: pd.DataFrame, lengths: pd.DataFrame | None) -> pd.DataFrame:
    """Per cell: the mean and 95% half-width over repetitions of energy per 1,000 inferences,
    seconds per inference and, where it applies, energy per 1,000 output tokens."""
    groups = runs.groupby(list(CELL_KEY))
    cells = pd.DataFrame(
        {
            ENERGY: groups[ENERGY].mean(),
            ENERGY + HALFWIDTH: groups[ENERGY].apply(lambda v: halfwidth_95(list(v.dropna()))),
            LATENCY: groups[LATENCY].mean(),
            LATENCY + HALFWIDTH: groups[LATENCY].apply(lambda v: halfwidth_95(list(v.dropna()))),
        }
    ).reset_index()
    tokens = pd.Series(math.nan, index=cells.index)
    if lengths is not None and not lengths.empty:
        counted = cells.merge(
            with_scenario(lengths)[[*CELL_KEY, "mean_output_tokens"]], on=list(CELL_KEY), how="left"
        )["mean_output_tokens"]
        generating = [
            generates_text(t, k) for t, k in zip(cells["task"], cells["model_kind"], strict=True)
        ]
        tokens = counted.where(np.array(generating) & (counted > 0))
    # Output tokens are the same in every repetition (the lengths of its predictions): the
    # energy's interval scales with them.
    cells[PER_TOKEN] = cells[ENERGY] / tokens
    cells[PER_TOKEN + HALFWIDTH] = cells[ENERGY + HALFWIDTH] / tokens
    return cells


def scenario_settings(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per scenario, its settings as its rows recorded them (distinct values joined by "; "
    where rows disagree; empty where not recorded: the attention implementation before it was,
    the model's default)."""
    rows = with_scenario(measurements)
    settings = pd.DataFrame({SCENARIO: sorted(rows[SCENARIO].unique())})
    for name in SETTINGS:
        if name not in rows.columns:
            settings[name] = ""
            continue
        values = rows.groupby(SCENARIO)[name].agg(
            lambda v: "; ".join(sorted({recorded_text(x) for x in v.dropna()}))
        )
        settings[name] = settings[SCENARIO].map(values).fillna("")
    return settings


def _where_and_when(measurements: pd.DataFrame) -> pd.DataFrame:
    """Per MODEL_KEY: the hosts its query rows were measured on ("; "-joined) and the mean of
    their start times (UTC); empty where the rows do not record them."""
    rows = with_scenario(measurements)
    rows = rows[rows["phase"] == "query"]
    empty = pd.Series(pd.NA, index=rows.index, dtype="string")
    hosts = rows["hostname"].astype("string") if "hostname" in rows.columns else empty
    started = pd.to_datetime(
        rows["started_at"] if "started_at" in rows.columns else empty, utc=True, format="ISO8601"
    )
    frame = rows[list(MODEL_KEY)].assign(hosts=hosts, started=started)
    return (
        frame.groupby(list(MODEL_KEY))
        .agg(
            hosts=("hosts", lambda h: "; ".join(sorted(set(h.dropna()))) or pd.NA),
            started=("started", "mean"),
        )
        .reset_index()
    )


def _with_ratio_to_default(models: pd.DataFrame, where_and_when: pd.DataFrame) -> pd.DataFrame:
    """`models` with the energy ratio to the default scenario and its interval, and whether the
    two were measured on the same host(s) and how many hours apart: the interval covers the
    repetitions' spread only, not a machine's drift between runs measured apart."""
    key = [k for k in MODEL_KEY if k != SCENARIO]
    models = models.merge(where_and_when, on=list(MODEL_KEY), how="left")
    default = models.loc[
        models[SCENARIO] == DEFAULT_SCENARIO,
        [*key, "datasets", ENERGY, ENERGY + HALFWIDTH, "hosts", "started"],
    ]
    paired = models.merge(default, on=key, how="left", suffixes=("", "_default"))
    same = (paired["datasets"] == paired["datasets_default"]) & (
        paired[SCENARIO] != DEFAULT_SCENARIO
    )
    ratio, low, high = ratio_interval(
        paired[ENERGY + "_default"],
        paired[ENERGY + HALFWIDTH + "_default"],
        paired[ENERGY],
        paired[ENERGY + HALFWIDTH],
    )
    compared = same & paired["hosts"].notna() & paired["hosts_default"].notna()
    apart = (paired["started"] - paired["started_default"]).abs() / pd.Timedelta(hours=1)
    return models.drop(columns=["hosts", "started"]).assign(
        **{
            RATIO: ratio.where(same),
            RATIO + "_low": low.where(same),
            RATIO + "_high": high.where(same),
        },
        same_host_as_default=(paired["hosts"] == paired["hosts_default"])
        .astype("boolean")
        .where(compared),
        hours_apart_from_default=apart.where(same),
    )


def _with_missing(models: pd.DataFrame, missing: pd.DataFrame | None) -> pd.DataFrame:
    """`models` with each model's failed cells counted and their errors named; a model whose
    every cell failed in a scenario gets a row of its own, its values empty."""
    if missing is None or missing.empty:
        return models.assign(n_cells_missing=0, missing_reason="")
    failed = missing.groupby(list(MODEL_KEY)).agg(
        n_cells_missing=(DATASET, "size"),
        missing_reason=("error", lambda e: "; ".join(sorted({str(x) for x in e.dropna()}))),
    )
    merged = models.merge(failed.reset_index(), on=list(MODEL_KEY), how="outer")
    merged["n_cells_missing"] = merged["n_cells_missing"].fillna(0).astype(int)
    merged["missing_reason"] = merged["missing_reason"].fillna("")
    merged["n_datasets"] = merged["n_datasets"].fillna(0).astype(int)
    merged["datasets"] = merged["datasets"].fillna("")
    return merged
