"""The explorer's data: the summary tables turned into plain JSON-able records.

Every decision about the numbers (star ratings and when to withhold them, which quality metric a
task plots, sort order, what an empty value means, the units a reader may switch to) is made
here, where it is unit-tested; the page's JavaScript only filters, sorts, converts by the factors
it is given and draws.

Energies travel in the summaries' unit, kWh per 1,000 of something (inferences, input tokens,
images, ...); ENERGY_UNITS says how the page may show them instead. A value that was not measured
travels as null and is shown with its column's `missing` text, never as 0 or a blank.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from powerhungry.analysis.aggregate import with_scenario
from powerhungry.analysis.compare import DESCRIBED, INTENSITY, NOT_RECORDED, describe
from powerhungry.analysis.deployment import SETTINGS, scenario_settings
from powerhungry.columns import (
    CELL_KEY,
    DATASET_SUBSTITUTE,
    DEFAULT_SCENARIO,
    SCENARIO,
    SUBSTITUTED_DATASETS,
    TASK,
)
from powerhungry.units import JOULES_PER_KWH

REQUIRED_CELL_COLUMNS = [*CELL_KEY, "energy_kwh_per_1k_mean"]
# Bands of the star rating (the page reads it from its data, never repeats it).
STAR_BANDS = 5
# The metric a task plots against energy when it has several: the one that credits partial
# answers (f1 over exact match, rougeL over rouge1/2); any other metric falls back to the
# alphabetically first, so a new task still plots something deterministic.
HEADLINE_METRICS = ("f1", "entity_f1", "accuracy", "accuracy_at_1", "rougeL")
COMPARISON_NUMBERS = [
    "ours_energy_kwh_per_1k",
    "ours_energy_kwh_per_1k_halfwidth_95",
    "paper_energy_kwh_per_1k",
    "paper_energy_kwh_per_1k_halfwidth_95",
    "energy_ratio",
    "energy_ratio_low_95",
    "energy_ratio_high_95",
    "ours_emissions_g_per_1k",
    "paper_emissions_g_per_1k",
]
# The comparison's levels, coarsest first: a task's rows, then each model's, then its cells'.
COMPARISON_LEVELS = ("task", "model", "cell")

# The units energy can be shown in, from the summaries' kWh per 1,000 (of inferences, tokens,
# ...): the factor to multiply by, the header text and the CSV column infix, "{plural}" and
# "{singular}" standing for what the energy is per (PER_UNIT).
ENERGY_UNITS = [
    {"key": "kwh_per_1k", "factor": 1.0, "label": "kWh / 1,000 {plural}",
     "csv": "kwh_per_1k_{plural}"},
    {"key": "wh_per_1k", "factor": 1e3, "label": "Wh / 1,000 {plural}",
     "csv": "wh_per_1k_{plural}"},
    {"key": "j_per_one", "factor": JOULES_PER_KWH / 1000, "label": "J / {singular}",
     "csv": "j_per_{singular}"},
]  # fmt: skip
# What an energy is per: {name: [singular, plural]} (CSV names put "_" for the spaces).
PER_UNIT = {
    "inference": ["inference", "inferences"],
    "input_token": ["input token", "input tokens"],
    "output_token": ["generated token", "generated tokens"],
    "image": ["image", "images"],
    "diffusion_step": ["diffusion step", "diffusion steps"],
}
# The cell summary's energy per unit of work, in kWh per 1,000 units (Wh per image and per step
# are the same numbers) → (record key, what it is per).
UNIT_OF_WORK = {
    "energy_kwh_per_1k_input_tokens": "input_token",
    "energy_kwh_per_1k_output_tokens": "output_token",
    "energy_wh_per_image": "image",
    "energy_wh_per_diffusion_step": "diffusion_step",
}
NOT_MEASURED = "not measured"
# How the page names a model kind.
KIND_LABELS = {"task_specific": "task-specific", "multi_purpose": "multi-purpose"}

# The table of cells, left to right (what is read first, first: a wide table scrolls): the record
# key it shows (and sorts by), its header, how it is drawn (`kind`, one renderer each in the
# script), what an energy is per, and the text of an empty value. The quality column shows the
# task's headline metric (all metrics on hover); "units_of_work" every energy of UNIT_OF_WORK
# that applies.
CELL_COLUMNS = [
    {"key": "task", "label": "Task", "kind": "text"},
    {"key": "model", "label": "Model", "kind": "text"},
    {"key": "model_kind", "label": "Kind", "kind": "model_kind"},
    {"key": "dataset", "label": "Dataset", "kind": "dataset"},
    {"key": "scenario", "label": "Scenario", "kind": "text"},
    {"key": "parameters", "label": "Parameters", "kind": "count", "missing": NOT_RECORDED},
    {"key": "energy_kwh_per_1k", "label": "Energy", "kind": "energy", "per": "inference",
     "halfwidth": "energy_kwh_per_1k_halfwidth_95", "mark": "imprecise_note",
     "missing": NOT_MEASURED},
    {"key": "stars", "label": "Stars", "kind": "stars"},
    {"key": "headline_value", "label": "Quality (0\u20131)", "kind": "quality",
     "missing": "not scored"},
    {"key": "emissions_g_per_1k", "label": "Emissions (gCO\u2082eq / 1,000 inferences)",
     "kind": "number", "missing": NOT_RECORDED},
    {"key": "gpu_energy_kwh_per_1k", "label": "GPU energy", "kind": "energy", "per": "inference",
     "missing": NOT_MEASURED},
    {"key": "gpu_energy_above_idle_kwh_per_1k", "label": "GPU energy above idle",
     "kind": "energy", "per": "inference", "halfwidth": "gpu_energy_above_idle_halfwidth_95",
     "mark": "above_idle_note", "missing": NOT_MEASURED},
    {"key": "seconds_per_inference", "label": "Latency (s / inference)", "kind": "number",
     "missing": NOT_MEASURED},
    {"key": "inferences_per_second", "label": "Throughput (inferences / s)", "kind": "number",
     "missing": NOT_MEASURED},
    {"key": "units_of_work", "label": "Energy per unit of work", "kind": "units_of_work",
     "missing": "does not apply"},
]  # fmt: skip
# The CSV download of the shown rows, left to right: the record key, and the column name (an
# energy's: "{unit}" is the unit's CSV infix); quality is "metric=value" pairs joined by "; ".
CSV_COLUMNS = [
    *[{"key": key, "name": key} for key in [*CELL_KEY, DATASET_SUBSTITUTE, "parameters"]],
    {"key": "n_repetitions", "name": "n_repetitions"},
    {"key": "energy_kwh_per_1k", "name": "energy_{unit}", "per": "inference"},
    {"key": "energy_kwh_per_1k_halfwidth_95", "name": "energy_{unit}_halfwidth_95",
     "per": "inference"},
    {"key": "relative_halfwidth_95", "name": "relative_halfwidth_95"},
    {"key": "imprecise", "name": "imprecise"},
    {"key": "gpu_energy_kwh_per_1k", "name": "gpu_energy_{unit}", "per": "inference"},
    {"key": "gpu_energy_above_idle_kwh_per_1k", "name": "gpu_energy_above_idle_{unit}",
     "per": "inference"},
    {"key": "gpu_energy_above_idle_halfwidth_95",
     "name": "gpu_energy_above_idle_{unit}_halfwidth_95", "per": "inference"},
    {"key": "above_idle_flag", "name": "above_idle_flag"},
    {"key": "emissions_g_per_1k", "name": "emissions_g_per_1k_inferences"},
    {"key": "seconds_per_inference", "name": "seconds_per_inference"},
    {"key": "inferences_per_second", "name": "inferences_per_second"},
    *[{"key": key, "name": "energy_{unit}", "per": per} for key, per in UNIT_OF_WORK.items()],
    {"key": "headline_metric", "name": "headline_metric"},
    {"key": "headline_value", "name": "headline_value"},
    {"key": "quality", "name": "quality"},
    {"key": "stars", "name": "stars"},
    {"key": "stars_reason", "name": "stars_reason"},
]  # fmt: skip
# What an above-idle GPU energy that is not clearly above zero can be read as (cell summary's
# above_idle_flag); "resolved" and "" (not measured) need no note.
ABOVE_IDLE_NOTES = {
    "negative": "below zero: the GPU drew less than its job's idle baseline",
    "within_halfwidth": "cannot be told from zero: zero is within its 95% half-width",
}


def star_bands(energy: pd.Series, *groups: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Each row's group's lowest energy and band width: the range between the group's lowest
    and highest energy cut into STAR_BANDS equal (linear) bands. A group is the rows alike in
    every one of `groups` (aligned Series: a task; a scenario and a task). NaN energies are
    ignored."""
    low = energy.groupby(list(groups)).transform("min")
    high = energy.groupby(list(groups)).transform("max")
    return low, (high - low) / STAR_BANDS


def stars_of(values: pd.Series, low: pd.Series, width: pd.Series) -> pd.Series:
    """The stars of the band each value falls in (Int64; <NA> for NaN): the lowest band gets
    STAR_BANDS stars, the highest 1; a value on a band edge falls in the less efficient band,
    one below the lowest in the lowest band, one above the highest in the highest, and every
    value of a task without a range (one energy) in the lowest."""
    band = ((values - low) / width.where(width > 0)).fillna(0).clip(0, STAR_BANDS - 1)
    stars = (STAR_BANDS - band.apply(math.floor)).astype("Int64")
    return stars.where(values.notna(), pd.NA)


def star_ratings(energy: pd.Series, *groups: pd.Series) -> pd.Series:
    """Stars per row, as the AI Energy Score rates models (with STAR_BANDS = 5: 1-5 stars), from
    the energy's mean alone: see `star_bands` and `stars_of`.

    In: each row's energy and its group (aligned Series: its task, or its scenario and task;
    energy may hold NaN or unparsable values). Out: an Int64 Series on the same index; a row
    without energy gets none (<NA>).
    """
    energy = pd.to_numeric(energy, errors="coerce").astype(float)
    return stars_of(energy, *star_bands(energy, *groups))


def distinguishable_stars(
    energy: pd.Series, halfwidth: pd.Series, *groups: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """Stars only where they can be told apart, and otherwise the reason why not.

    A row is rated (`star_ratings`, within its group: `groups` as there) only where its whole
    95% confidence interval (mean ± half-width) lies in one band: then two rated rows with
    different stars have intervals that do not overlap, so a star difference is never noise. A
    row whose interval crosses a band edge, whose half-width is unknown (one repetition), whose
    task has no range to cut into bands (one cell, or all alike) or that has no energy gets <NA>
    and a reason. Out: (Int64 stars, reason text, "" where rated), on the energy's index.
    """
    energy = pd.to_numeric(energy, errors="coerce").astype(float)
    halfwidth = pd.to_numeric(halfwidth, errors="coerce").astype(float)
    low, width = star_bands(energy, *groups)
    stars = stars_of(energy, low, width)
    best = stars_of(energy - halfwidth, low, width)
    worst = stars_of(energy + halfwidth, low, width)
    reasons = pd.Series("", index=energy.index)
    spans = (best != worst).fillna(False)
    reasons[spans] = [
        f"not rated: its 95% interval spans {w} to {b} stars, more than one band"
        for b, w in zip(best[spans], worst[spans], strict=True)
    ]
    reasons[(width == 0).fillna(False)] = (
        "not rated: its task has no range of energies to cut into bands (one cell measured, or "
        "all alike)"
    )
    reasons[halfwidth.isna()] = "not rated: one repetition, so no 95% interval to place in a band"
    reasons[energy.isna()] = "not rated: no energy measured"
    return stars.where(reasons == "", pd.NA), reasons


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
    """A table value as text: "" for None, NaN or empty; an integral float without ".0" (a
    column pandas read as float because some rows were empty)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _flag(value: object) -> bool:
    """A boolean column as read back from CSV (True/False, or their text)."""
    return str(value).strip().lower() == "true"


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
        metrics.setdefault(key[CELL_KEY.index(TASK)], set()).update(values)
    chosen = {task: headline_metric(names) for task, names in sorted(metrics.items())}
    return {task: metric for task, metric in chosen.items() if metric is not None}


def imprecise_note(row: Mapping[str, Any], max_relative_halfwidth: float | None) -> str:
    """Why a cell's energy is marked imprecise ("" where it is not): its 95% half-width as a
    share of its mean, over the configured limit, or unknown. A summary without the `imprecise`
    column says nothing of its precision: every cell is then marked."""
    if "imprecise" not in row:
        return "precision unknown: the cell summary has no imprecise column"
    if not _flag(row["imprecise"]):
        return ""
    relative = _number(row.get("relative_halfwidth_95"))
    if relative is None:
        return "imprecise: one repetition, so no 95% half-width"
    limit = "the limit" if max_relative_halfwidth is None else f"{max_relative_halfwidth:.0%}"
    return f"imprecise: its 95% half-width is {relative:.0%} of the mean, over {limit}"


def cell_records(
    cells: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    max_relative_halfwidth: float | None = None,
) -> list[dict[str, Any]]:
    """One JSON-able record per row of the cell summary, sorted by task then energy: its
    deployment scenario (a summary from before scenarios: the default), its energies (kWh per
    1,000 inferences or units of work) with their 95% half-widths and what marks them
    (`imprecise_note`, ABOVE_IDLE_NOTES), latency, stars (`distinguishable_stars` among the
    cells of its scenario and task) or the reason for none, parameters, emissions, scored
    metrics and headline quality. A value not measured, or a column the summary lacks, is None.
    An absent or empty summary gives []; one without the REQUIRED_CELL_COLUMNS raises
    ValueError. `quality` is the optional long quality table, `max_relative_halfwidth` the
    limit the summary marked imprecise values by (for the notes)."""
    if cells is None or cells.empty:
        return []
    cells = with_scenario(cells)
    missing = [c for c in REQUIRED_CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise ValueError(f"cell summary lacks columns {missing}")
    halfwidth = cells.get("energy_kwh_per_1k_halfwidth_95", pd.Series(math.nan, cells.index))
    # Within a scenario and task: batching or a lower precision must not lift the stars of the
    # cells measured without them.
    stars, reasons = distinguishable_stars(
        cells["energy_kwh_per_1k_mean"], halfwidth, cells[SCENARIO], cells["task"]
    )
    cells = cells.assign(stars=stars, stars_reason=reasons)
    cells = cells.sort_values(["task", "energy_kwh_per_1k_mean", "model", "dataset", SCENARIO])
    scores = quality_by_cell(quality)
    headline = headline_metrics_by_task(scores)
    records = []
    for row in cells.to_dict("records"):
        key = tuple(str(row[c]) for c in CELL_KEY)
        cell_quality = scores.get(key, {})
        metric = headline.get(key[CELL_KEY.index(TASK)])
        note = imprecise_note(row, max_relative_halfwidth)
        records.append(
            {
                **dict(zip(CELL_KEY, key, strict=True)),
                # The repository read in place of the paper's dataset ("" for the paper's own).
                DATASET_SUBSTITUTE: _text(row.get(DATASET_SUBSTITUTE)),
                "parameters": _integer(row.get("model_parameters")),
                "n_repetitions": _integer(row.get("n_repetitions")),
                "energy_kwh_per_1k": _number(row["energy_kwh_per_1k_mean"]),
                "energy_kwh_per_1k_halfwidth_95": _number(
                    row.get("energy_kwh_per_1k_halfwidth_95")
                ),
                "relative_halfwidth_95": _number(row.get("relative_halfwidth_95")),
                "imprecise": bool(note),
                "imprecise_note": note,
                "gpu_energy_kwh_per_1k": _number(row.get("gpu_energy_kwh_per_1k_mean")),
                "gpu_energy_above_idle_kwh_per_1k": _number(
                    row.get("gpu_energy_above_idle_kwh_per_1k_mean")
                ),
                "gpu_energy_above_idle_halfwidth_95": _number(
                    row.get("gpu_energy_above_idle_kwh_per_1k_halfwidth_95")
                ),
                "above_idle_flag": _text(row.get("above_idle_flag")),
                "above_idle_note": ABOVE_IDLE_NOTES.get(_text(row.get("above_idle_flag")), ""),
                "emissions_g_per_1k": _number(row.get("emissions_g_per_1k_mean")),
                "seconds_per_inference": _number(row.get("seconds_per_inference_mean")),
                "inferences_per_second": _number(row.get("inferences_per_second")),
                **{column: _number(row.get(column)) for column in UNIT_OF_WORK},
                "stars": _integer(row["stars"]),
                "stars_reason": row["stars_reason"],
                "quality": cell_quality,
                "headline_metric": metric if metric in cell_quality else None,
                "headline_value": cell_quality.get(metric) if metric else None,
            }
        )
    return records


def _level_order(row: Mapping[str, Any]) -> tuple:
    """Task rows first; then by task and model, a model's row before its cells'."""
    level = _text(row.get("level"))
    rank = COMPARISON_LEVELS.index(level) if level in COMPARISON_LEVELS else len(COMPARISON_LEVELS)
    task, model, dataset = (_text(row.get(c)) for c in ("task", "model", "dataset"))
    return (rank > 0, task, model, rank, dataset)


def comparison_records(comparison: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The ours-vs-paper table (`powerhungry compare`'s, the paper as A) as JSON-able rows,
    ordered by `_level_order`: text columns as strings ("" for empty; substituted_datasets names
    where ours read a substitute for the paper's dataset), COMPARISON_NUMBERS (energies with
    their 95% half-widths, the ratio ours / paper with its 95% interval) as floats or None, and
    `distinguishable` (whether that interval excludes 1; None where not stated). An absent or
    empty table gives []."""
    if comparison is None or comparison.empty:
        return []
    rows = sorted(comparison.to_dict("records"), key=_level_order)
    texts = ["level", SCENARIO, "task", "model_kind", "model", "dataset", SUBSTITUTED_DATASETS]
    return [
        {
            **{c: _text(row.get(c)) for c in texts},
            **{c: _number(row.get(c)) for c in COMPARISON_NUMBERS},
            "distinguishable": (
                None if _text(row.get("distinguishable")) == "" else _flag(row["distinguishable"])
            ),
        }
        for row in rows
    ]


# Fields a job on the CPU leaves empty because there is nothing to record.
GPU_FIELDS = ("gpu_model", "gpu_driver")
NO_GPU = "none (measured on the CPU)"
# Recorded values that need a word to be read right ({column: {value: text}}).
SETUP_VALUES = {"cuda_version": {"none": "none (a CPU build of torch)"}}


def setup_texts(measurements: pd.DataFrame) -> pd.DataFrame:
    """Each measurement row's properties of a run (`compare.DESCRIBED`, the registry
    `powerhungry compare` states them from) as the panel prints them, one column per property:
    an empty GPU field of a row on the CPU is NO_GPU, any other empty or absent value
    NOT_RECORDED (rows from before the column existed), and SETUP_VALUES are explained."""
    on_cpu = measurements.get("device", pd.Series("", measurements.index)).map(_text) == "cpu"
    texts = {}
    for label, column in DESCRIBED:
        values = measurements.get(column, pd.Series("", measurements.index)).map(_text)
        values = values.replace(SETUP_VALUES.get(column, {}))
        empty = values == ""
        if column in GPU_FIELDS:
            values = values.mask(empty & on_cpu, NO_GPU)
        texts[label] = values.mask(values == "", NOT_RECORDED)
    return pd.DataFrame(texts, index=measurements.index)


def setup_records(measurements: pd.DataFrame | None) -> list[dict[str, Any]]:
    """The hardware and software the cells were measured on, from the measurement table: one
    record per setup (rows agreeing on every property of `setup_texts`), most cells first:
    {"cells": how many cells, "fields": [[property, text], ...]}, the properties followed by the
    carbon intensity the emissions were computed with, as `compare.describe` states it. An
    absent or empty table gives []."""
    if measurements is None or measurements.empty or not set(CELL_KEY) <= set(measurements):
        return []
    texts = setup_texts(measurements)
    labels = list(texts.columns)
    cells = measurements[list(CELL_KEY)].astype(str).agg("|".join, axis=1)
    setups = []
    for values, rows in texts.groupby(labels, sort=False):
        intensity = describe(measurements.loc[rows.index])[INTENSITY]
        fields = [*zip(labels, values, strict=True), (INTENSITY, intensity)]
        setups.append({"cells": cells[rows.index].nunique(), "fields": [list(f) for f in fields]})
    return sorted(setups, key=lambda s: -s["cells"])


def scenario_records(
    cells: pd.DataFrame | None, measurements: pd.DataFrame | None
) -> list[dict[str, Any]]:
    """The deployment scenarios of the cells, for the page's scenario filter: one record per
    scenario with cells, the default (the protocol's own settings) first, then by batch size,
    dtype, attention and name: {"name", "cells": how many, "batch_size", "dtype", "attention"
    (as the measurement rows recorded them, `deployment.scenario_settings`; "" where not
    recorded or no measurement table), "label": the name with its settings ("bs8-bf16: batch
    size 8, bfloat16")}. No cells give []."""
    if cells is None or cells.empty:
        return []
    counts = with_scenario(cells)[SCENARIO].value_counts()
    settings = pd.DataFrame({SCENARIO: counts.index})
    if measurements is not None and not measurements.empty:
        settings = settings.merge(scenario_settings(measurements), on=SCENARIO, how="left")
    settings = settings.reindex(columns=[SCENARIO, *SETTINGS]).astype(object).fillna("")
    records = []
    for row in settings.to_dict("records"):
        described = [
            f"batch size {row['batch_size']}" if row["batch_size"] else "",
            row["dtype"],
            f"{row['attention']} attention" if row["attention"] else "",
        ]
        said = ", ".join(text for text in described if text)
        records.append(
            {
                "name": row[SCENARIO],
                "cells": int(counts[row[SCENARIO]]),
                **{name: row[name] for name in SETTINGS},
                "label": f"{row[SCENARIO]}: {said}" if said else row[SCENARIO],
            }
        )

    def order(record: dict[str, Any]) -> tuple:
        batch = pd.to_numeric(record["batch_size"], errors="coerce")
        return (
            record["name"] != DEFAULT_SCENARIO,
            math.inf if pd.isna(batch) else batch,
            record["dtype"],
            record["attention"],
            record["name"],
        )

    return sorted(records, key=order)


def page_settings(max_relative_halfwidth: float | None) -> dict[str, Any]:
    """The constants the page's script works with, so that it repeats none of them: the star
    bands, the names of model kinds, the energy units and what energies are per, the columns of
    the cells table and of its CSV download, the scenario the page first shows (the default:
    the protocol's own settings), and the imprecision limit the summary used (None: not
    known)."""
    return {
        "star_bands": STAR_BANDS,
        "kind_labels": KIND_LABELS,
        "energy_units": ENERGY_UNITS,
        "per_unit": PER_UNIT,
        "units_of_work": UNIT_OF_WORK,
        "cell_columns": CELL_COLUMNS,
        "csv_columns": CSV_COLUMNS,
        "default_scenario": DEFAULT_SCENARIO,
        "max_relative_halfwidth": max_relative_halfwidth,
    }


def explorer_payload(
    cells: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    comparison: pd.DataFrame | None,
    measurements: pd.DataFrame | None = None,
    max_relative_halfwidth: float | None = None,
) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-able data: {"cells": cell_records,
    "scenarios": scenario_records, "headline_metrics": {task: metric}, "comparison":
    comparison_records, "setups": setup_records, "settings": page_settings}. Each table may be
    None or empty; the page then says so."""
    return {
        "cells": cell_records(cells, quality, max_relative_halfwidth),
        "scenarios": scenario_records(cells, measurements),
        "headline_metrics": headline_metrics_by_task(quality_by_cell(quality)),
        "comparison": comparison_records(comparison),
        "setups": setup_records(measurements),
        "settings": page_settings(max_relative_halfwidth),
    }
