"""The explorer's data: the summary tables turned into plain JSON-able records.

Every decision about the numbers (star ratings, which quality metric a task plots, sort order) is
made here, where it is unit-tested; the page's JavaScript only filters and draws what it is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from powerhungry.columns import CELL_KEY, DATASET_SUBSTITUTE, SUBSTITUTED_DATASETS

REQUIRED_CELL_COLUMNS = [*CELL_KEY, "energy_kwh_per_1k_mean"]
# Bands of the star rating; the page reads it from its markup (data-star-bands), never repeats it.
STAR_BANDS = 5
# The metric a task plots against energy when it has several: the one that credits partial
# answers (f1 over exact match, rougeL over rouge1/2); any other metric falls back to the
# alphabetically first, so a new task still plots something deterministic.
HEADLINE_METRICS = ("f1", "entity_f1", "accuracy", "accuracy_at_1", "rougeL")
COMPARISON_NUMBERS = [
    "ours_energy_kwh_per_1k",
    "paper_energy_kwh_per_1k",
    "energy_ratio",
    "ours_emissions_g_per_1k",
    "paper_emissions_g_per_1k",
]


def star_ratings(energy: pd.Series, task: pd.Series) -> pd.Series:
    """Stars per row, as the AI Energy Score rates models (with STAR_BANDS = 5: 1-5 stars).

    In: each row's energy and task (aligned Series; energy may hold NaN or unparsable values).
    Out: an Int64 Series on the same index. Within each task, the range between the lowest and
    highest energy is cut into STAR_BANDS equal (linear) bands; the lowest band gets STAR_BANDS
    stars, the highest 1. A task whose rows all use the same energy (e.g. a single model) gets
    STAR_BANDS stars; a row without energy gets none (<NA>). A value on a band edge falls in the
    less efficient band.
    """
    energy = pd.to_numeric(energy, errors="coerce").astype(float)
    low = energy.groupby(task).transform("min")
    high = energy.groupby(task).transform("max")
    width = (high - low) / STAR_BANDS
    band = ((energy - low) / width.where(width > 0)).fillna(0).clip(upper=STAR_BANDS - 1)
    stars = (STAR_BANDS - band.apply(math.floor)).astype("Int64")
    return stars.where(energy.notna(), pd.NA)


def headline_metric(metrics: Iterable[str]) -> str | None:
    """The quality metric a task plots against energy, from the names of the metrics it has:
    the first of HEADLINE_METRICS present, else the alphabetically first; None for no metric."""
    available = set(metrics)
    preferred = [m for m in HEADLINE_METRICS if m in available]
    return preferred[0] if preferred else min(available, default=None)


def _number(value: object) -> float | None:
    """A JSON-safe float: NaN, None and unparsable values become None (null in the page)."""
    if value is None or isinstance(value, bool):
        return None
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def quality_by_cell(quality: pd.DataFrame | None) -> dict[tuple[str, ...], dict[str, float]]:
    """Each cell's scored metrics from the long quality table (CELL_KEY columns, metric, value):
    {(task, model_kind, model, dataset): {metric: value}}; unscored (NaN) values are dropped, and
    an absent, empty or incomplete table gives {}."""
    if quality is None or quality.empty or not {*CELL_KEY, "metric", "value"} <= set(quality):
        return {}
    scored = quality.assign(value=pd.to_numeric(quality["value"], errors="coerce"))
    scored = scored.dropna(subset=["value"])
    by_cell: dict[tuple[str, ...], dict[str, float]] = {}
    for row in scored.itertuples(index=False):
        key = tuple(str(getattr(row, c)) for c in CELL_KEY)
        by_cell.setdefault(key, {})[str(row.metric)] = float(row.value)
    return by_cell


def headline_metrics_by_task(scores: Mapping[tuple[str, ...], dict[str, float]]) -> dict[str, str]:
    """The metric each task plots ({task: metric}), from quality_by_cell's scores; one per task so
    a filtered scatter never mixes scales. Tasks without any scored metric are left out."""
    metrics: dict[str, set[str]] = {}
    for key, values in scores.items():
        metrics.setdefault(key[0], set()).update(values)
    chosen = {task: headline_metric(names) for task, names in sorted(metrics.items())}
    return {task: metric for task, metric in chosen.items() if metric is not None}


def cell_records(cells: pd.DataFrame | None, quality: pd.DataFrame | None) -> list[dict[str, Any]]:
    """One JSON-able record per row of the cell summary, sorted by task then energy, with its
    stars, parameters, emissions, scored metrics and headline quality inlined (None where a value
    or an optional column is missing). An absent or empty summary gives []; one without the
    REQUIRED_CELL_COLUMNS raises ValueError. `quality` is the optional long quality table."""
    if cells is None or cells.empty:
        return []
    missing = [c for c in REQUIRED_CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise ValueError(f"cell summary lacks columns {missing}")
    cells = cells.assign(stars=star_ratings(cells["energy_kwh_per_1k_mean"], cells["task"]))
    cells = cells.sort_values(["task", "energy_kwh_per_1k_mean", "model", "dataset"])
    scores = quality_by_cell(quality)
    headline = headline_metrics_by_task(scores)
    records = []
    for row in cells.to_dict("records"):
        key = tuple(str(row[c]) for c in CELL_KEY)
        cell_quality = scores.get(key, {})
        metric = headline.get(key[0])
        records.append(
            {
                **dict(zip(CELL_KEY, key, strict=True)),
                # The repository read in place of the paper's dataset ("" for the paper's own).
                DATASET_SUBSTITUTE: _text(row.get(DATASET_SUBSTITUTE)),
                "parameters": _integer(row.get("model_parameters")),
                "energy_kwh_per_1k": _number(row["energy_kwh_per_1k_mean"]),
                "emissions_g_per_1k": _number(row.get("emissions_g_per_1k_mean")),
                "n_repetitions": _integer(row.get("n_repetitions")),
                "stars": _integer(row["stars"]),
                "quality": cell_quality,
                "headline_metric": metric if metric in cell_quality else None,
                "headline_value": cell_quality.get(metric) if metric else None,
            }
        )
    return records


def comparison_records(comparison: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The ours-vs-paper table as JSON-able rows (task level first, then by task and model):
    text columns as strings ("" for empty; substituted_datasets names where ours read a
    substitute for the paper's dataset), COMPARISON_NUMBERS as floats or None. An absent or
    empty table gives []."""
    if comparison is None or comparison.empty:
        return []
    rows = comparison.to_dict("records")
    rows.sort(
        key=lambda r: (_text(r.get("level")) != "task", _text(r.get("task")), _text(r.get("model")))
    )
    return [
        {
            **{
                c: _text(row.get(c))
                for c in ["level", "task", "model_kind", "model", SUBSTITUTED_DATASETS]
            },
            **{c: _number(row.get(c)) for c in COMPARISON_NUMBERS},
        }
        for row in rows
    ]


def explorer_payload(
    cells: pd.DataFrame | None, quality: pd.DataFrame | None, comparison: pd.DataFrame | None
) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-able data: {"cells": cell_records,
    "headline_metrics": {task: metric}, "comparison": comparison_records}. Each table may be None
    or empty; the page then says so."""
    return {
        "cells": cell_records(cells, quality),
        "headline_metrics": headline_metrics_by_task(quality_by_cell(quality)),
        "comparison": comparison_records(comparison),
    }
