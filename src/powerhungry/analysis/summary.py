"""Energy and emissions per 1,000 inferences, per model and per task, as the paper computed them.

Three energy metrics, where the table has their source: the paper-compatible total (CPU + GPU +
RAM), GPU-only energy of the job's GPU(s), and GPU energy above the GPU's idle power.

Only the query phase counts (the paper excluded model loading). A model's value is the mean over
its datasets of the mean over repetitions; a task's statistics are taken over its models' values.
In the paper's balanced design (every model: 3 datasets x 10 repetitions) the task mean equals the
mean over all query runs, which reproduces Table 2; the paper's printed std is the std over runs,
reported here as `..._std_over_runs`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from powerhungry.analysis.aggregate import with_scenario
from powerhungry.columns import (
    CELL_KEY,
    DATASET_SUBSTITUTE,
    GROUP_KEY,
    MODEL_KEY,
    SCENARIO,
    SUBSTITUTED_DATASETS,
)
from powerhungry.measure.repetitions import halfwidth_95
from powerhungry.tasks import generates_text

# What a measurements table must have (rows without a scenario are the default scenario's:
# `with_scenario`).
REQUIRED_COLUMNS = [
    *(c for c in CELL_KEY if c != SCENARIO),
    "phase",
    "n_inferences",
    "energy_kwh",
    "emissions_kg",
]
METRICS = {
    # column: (source column, factor from the source unit, per how many inferences)
    # (a) paper-compatible: CPU + GPU + RAM energy, as the paper reported it
    "energy_kwh_per_1k": ("energy_kwh", 1.0, 1000),
    # (b) GPU-only energy of the job's GPU(s), the AI Energy Score metric
    "gpu_energy_kwh_per_1k": ("gpu_energy_kwh", 1.0, 1000),
    # (c) GPU energy above the GPU's idle power, so a slow, idle GPU does not look like work
    "gpu_energy_above_idle_kwh_per_1k": ("gpu_energy_above_idle_kwh", 1.0, 1000),
    "emissions_g_per_1k": ("emissions_kg", 1000.0, 1000),
    # latency: the query phase's time per inference, batch included (s)
    "seconds_per_inference": ("duration_s", 1.0, 1),
}

MODEL_DESCRIPTION = {"model_parameters": "max", "architecture_kind": "first"}


def query_rows_per_1k(measurements: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in measurements.columns]
    if missing:
        raise ValueError(f"measurements table lacks columns: {', '.join(missing)}")
    measurements = with_scenario(measurements)
    query = measurements[measurements["phase"] == "query"].dropna(
        subset=["task", "model", "dataset"]
    )
    if query.empty:
        raise ValueError("measurements table has no query-phase rows with a task and dataset")
    # What the loaded model is, where recorded (the paper's table does not), travels with the rows.
    carried = [c for c in (*MODEL_DESCRIPTION, DATASET_SUBSTITUTE) if c in query.columns]
    per_1k = query[[*CELL_KEY, *carried]].copy()
    for name, (column, factor, per) in METRICS.items():
        if column in query.columns:  # tables without a metric's source (e.g. the paper's) skip it
            per_1k[name] = query[column] * factor / query["n_inferences"] * per
    return per_1k


def substitutes_read(column: pd.Series) -> pd.Series:
    """A DATASET_SUBSTITUTE column as strings, "" where empty: read back from a CSV in which
    no cell had a substitute it is all NaN (float), and rows from before the column are NaN."""
    return column.astype("string").fillna("").astype(str)


def substitute_names(rows: pd.DataFrame) -> pd.Series | None:
    """Each row's substituted dataset as "dataset (repository)", "" for the paper's own; None
    for a table that does not record substitutes (the paper's)."""
    if DATASET_SUBSTITUTE not in rows.columns:
        return None
    read = substitutes_read(rows[DATASET_SUBSTITUTE])
    return (rows["dataset"] + " (" + read + ")").where(read != "", "")


def substituted_datasets(per_1k: pd.DataFrame, keys: Sequence[str]) -> pd.Series | None:
    """Per group of `keys`: its cells' substituted datasets, "dataset (repository)" joined by
    "; " (empty: none); None for a table that does not record substitutes (the paper's)."""
    named = substitute_names(per_1k)
    if named is None:
        return None
    return named.groupby([per_1k[k] for k in keys]).agg(
        lambda names: "; ".join(sorted(set(names) - {""}))
    )


def with_substitutes(summary: pd.DataFrame, per_1k: pd.DataFrame, keys: Sequence[str]) -> None:
    """Add SUBSTITUTED_DATASETS to `summary` (indexed by `keys`), where recorded."""
    substituted = substituted_datasets(per_1k, keys)
    if substituted is not None:
        summary[SUBSTITUTED_DATASETS] = substituted.reindex(summary.index, fill_value="")


def metrics_of(per_1k: pd.DataFrame) -> list[str]:
    return [m for m in METRICS if m in per_1k.columns]


# The share of the mean a 95% half-width may reach before a value is marked imprecise (config
# summary.max_relative_halfwidth's default).
MAX_RELATIVE_HALFWIDTH = 0.1


def combined_halfwidth(halfwidths: pd.Series) -> float:
    """The 95% half-width of a mean of independent means, from theirs: sqrt(sum of squares) / n
    (propagation of uncertainty); NaN if any is unknown."""
    if halfwidths.isna().any() or halfwidths.empty:
        return math.nan
    return math.sqrt(float((halfwidths**2).sum())) / len(halfwidths)


def imprecise(relative_halfwidth: pd.Series, max_relative_halfwidth: float) -> pd.Series:
    """Whether each value's 95% half-width is over `max_relative_halfwidth` of its mean, or
    unknown (a single repetition)."""
    return ~(relative_halfwidth <= max_relative_halfwidth)


def model_summary(
    measurements: pd.DataFrame, max_relative_halfwidth: float = MAX_RELATIVE_HALFWIDTH
) -> pd.DataFrame:
    """One row per task, model kind and model: mean over datasets of mean over repetitions,
    with the 95% half-width of its energy per 1,000 inferences (`combined_halfwidth` of its
    cells'), relative to the mean, and `imprecise`."""
    per_1k = query_rows_per_1k(measurements)
    metrics = metrics_of(per_1k)
    size = description_of(per_1k)
    per_dataset = per_1k.groupby(list(CELL_KEY)).agg(
        repetitions=("dataset", "size"), **size, **{m: (m, "mean") for m in metrics}
    )
    per_model = per_dataset.groupby(list(MODEL_KEY)).agg(
        n_datasets=("repetitions", "size"),
        n_runs=("repetitions", "sum"),
        **size,
        **{m: (m, "mean") for m in metrics},
    )
    if "seconds_per_inference" in per_model.columns:
        per_model["inferences_per_second"] = 1 / per_model["seconds_per_inference"]
    cells = per_1k.groupby(list(CELL_KEY))["energy_kwh_per_1k"].apply(
        lambda v: halfwidth_95(list(v.dropna()))
    )
    per_model["energy_kwh_per_1k_halfwidth_95"] = cells.groupby(list(MODEL_KEY)).apply(
        combined_halfwidth
    )
    per_model["relative_halfwidth_95"] = (
        per_model["energy_kwh_per_1k_halfwidth_95"] / per_model["energy_kwh_per_1k"]
    )
    per_model["imprecise"] = imprecise(per_model["relative_halfwidth_95"], max_relative_halfwidth)
    with_substitutes(per_model, per_1k, MODEL_KEY)
    return per_model.reset_index()


def description_of(per_1k: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """Aggregations that carry the model's description where the table has it."""
    return {c: (c, how) for c, how in MODEL_DESCRIPTION.items() if c in per_1k.columns}


def task_summary(
    measurements: pd.DataFrame,
    missing: pd.DataFrame | None = None,
    max_relative_halfwidth: float = MAX_RELATIVE_HALFWIDTH,
    models: pd.DataFrame | None = None,
    cells: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per task and model kind: statistics over the models' values, the 95% half-width
    of the mean energy (`combined_halfwidth` of the models'), how many cells are imprecise
    (`imprecise`) and how many failed (their models are not in the statistics: never averaged
    over silently). `models` and `cells`: the model and cell summaries of `measurements`, where
    already made (`summarize`)."""
    if models is None:
        models = model_summary(measurements, max_relative_halfwidth)
    if cells is None:
        cells = cell_summary(measurements, max_relative_halfwidth)
    measurements = with_scenario(measurements)
    runs = query_rows_per_1k(measurements)
    metrics = metrics_of(runs)
    summary = models.groupby(list(GROUP_KEY)).agg(
        n_models=("model", "size"),
        n_runs=("n_runs", "sum"),
        **{
            f"{metric}_{stat}": (metric, stat)
            for metric in metrics
            for stat in ("mean", "std", "median", "min", "max")
        },
    )
    over_runs = runs.groupby(list(GROUP_KEY)).agg(
        **{f"{m}_std_over_runs": (m, "std") for m in metrics}
    )
    summary = summary.join(over_runs)
    summary["energy_kwh_per_1k_mean_halfwidth_95"] = models.groupby(list(GROUP_KEY))[
        "energy_kwh_per_1k_halfwidth_95"
    ].apply(combined_halfwidth)
    by_group = cells.set_index(list(GROUP_KEY))
    imprecise_cells = by_group["imprecise"].groupby(level=list(GROUP_KEY)).sum()
    summary["n_cells_imprecise"] = imprecise_cells.reindex(summary.index, fill_value=0)
    with_substitutes(summary, runs, GROUP_KEY)
    if "gpu_energy_source" in measurements.columns:
        # GPUs without an energy counter give estimated GPU energy: flag the tasks they touch;
        # empty for a task measured on no GPU (nothing to estimate).
        source = measurements["gpu_energy_source"].astype("string").fillna("")
        by = [measurements[c] for c in GROUP_KEY]
        on_gpu = source.ne("").groupby(by).any()
        estimated = source.eq("power_sampling").groupby(by).any().astype("boolean")
        summary["gpu_energy_estimated"] = estimated.where(on_gpu).reindex(summary.index)
    if ABOVE_IDLE in runs.columns:
        # Cells whose above-idle energy is not distinguishable from zero, or negative: counted,
        # never averaged in silently (cell_summary.csv flags each); empty for a task where it
        # was measured for no cell (the CPU).
        flags = by_group["above_idle_flag"].groupby(level=list(GROUP_KEY))
        unresolved = flags.agg(lambda f: f.isin(["negative", "within_halfwidth"]).sum())
        measured = flags.agg(lambda f: f.ne("").any())
        summary["n_cells_above_idle_unresolved"] = (
            unresolved.where(measured).reindex(summary.index).astype("Int64")
        )
    if missing is not None:
        # A task and kind whose every cell failed keeps its row: counted, its values empty.
        failed = with_scenario(missing).groupby(list(GROUP_KEY)).size()
        summary = summary.reindex(summary.index.union(failed.index))
        summary["n_cells_missing"] = failed.reindex(summary.index, fill_value=0)
        counts = ["n_models", "n_runs", "n_cells_imprecise"]
        summary[counts] = summary[counts].fillna(0).astype(int)
    summary = summary.reset_index()
    return summary.sort_values(["energy_kwh_per_1k_mean", *GROUP_KEY], ignore_index=True)


GPU_ENERGY = "gpu_energy_kwh_per_1k"
ABOVE_IDLE = "gpu_energy_above_idle_kwh_per_1k"


def above_idle_flag(mean: float, halfwidth: float) -> str:
    """What a cell's above-idle GPU energy can be read as, from the mean and 95% half-width of
    its values per 1,000 inferences (kWh): "resolved" (the interval lies above zero),
    "negative" (the mean is below zero: the GPU drew less than its job's idle baseline),
    "within_halfwidth" (zero is within the half-width of the mean), "" (not measured: no GPU,
    no baseline). A single repetition (no half-width) is resolved by a positive mean."""
    if math.isnan(mean):
        return ""
    if mean < 0:
        return "negative"
    if mean <= (0.0 if math.isnan(halfwidth) else halfwidth):
        return "within_halfwidth"
    return "resolved"


def cell_summary(
    measurements: pd.DataFrame, max_relative_halfwidth: float = MAX_RELATIVE_HALFWIDTH
) -> pd.DataFrame:
    """One row per cell: repetitions, and mean, std and 95% CI half-width of its query energy;
    where measured (every repetition has it), the mean of its GPU energy, and the mean and
    half-width of its above-idle GPU energy and what they can be read as (`above_idle_flag`)."""
    per_1k = query_rows_per_1k(measurements)
    groups = per_1k.groupby(list(CELL_KEY))
    cells = groups["energy_kwh_per_1k"]
    summary = groups.agg(
        n_repetitions=("energy_kwh_per_1k", "size"),
        **description_of(per_1k),
        energy_kwh_per_1k_mean=("energy_kwh_per_1k", "mean"),
        emissions_g_per_1k_mean=("emissions_g_per_1k", "mean"),
    )
    if "seconds_per_inference" in per_1k.columns:
        summary["seconds_per_inference_mean"] = groups["seconds_per_inference"].mean()
        summary["inferences_per_second"] = 1 / summary["seconds_per_inference_mean"]
    summary["energy_kwh_per_1k_std"] = cells.std()
    summary["energy_kwh_per_1k_halfwidth_95"] = cells.apply(
        lambda v: halfwidth_95(list(v.dropna()))
    )
    summary["relative_halfwidth_95"] = (
        summary["energy_kwh_per_1k_halfwidth_95"] / summary["energy_kwh_per_1k_mean"]
    )
    summary["imprecise"] = imprecise(summary["relative_halfwidth_95"], max_relative_halfwidth)
    if DATASET_SUBSTITUTE in per_1k.columns:
        summary[DATASET_SUBSTITUTE] = substitutes_read(groups[DATASET_SUBSTITUTE].first())
    for metric in (GPU_ENERGY, ABOVE_IDLE):
        if metric in per_1k.columns:  # a cell measured in part: not measured
            summary[f"{metric}_mean"] = groups[metric].apply(
                lambda v: v.mean() if v.notna().all() else math.nan
            )
    if ABOVE_IDLE in per_1k.columns:
        above = groups[ABOVE_IDLE]
        summary[f"{ABOVE_IDLE}_halfwidth_95"] = above.apply(
            lambda v: halfwidth_95(list(v.dropna())) if v.notna().all() else math.nan
        )
        summary["above_idle_flag"] = [
            above_idle_flag(mean, half)
            for mean, half in zip(
                summary[f"{ABOVE_IDLE}_mean"], summary[f"{ABOVE_IDLE}_halfwidth_95"], strict=True
            )
        ]
    return summary.reset_index()


# Energy per unit of work (energy_per_unit), and the lengths.csv column each divides by.
UNIT_COLUMNS = {
    "energy_kwh_per_1k_input_tokens": "mean_input_tokens",
    "energy_kwh_per_1k_output_tokens": "mean_output_tokens",
    "energy_wh_per_image": None,
    "energy_wh_per_diffusion_step": "mean_inference_steps",
}


def energy_per_unit(cells: pd.DataFrame, lengths: pd.DataFrame) -> pd.DataFrame:
    """`cells` (cell_summary) with each cell's energy per unit of work, from its mean sizes in
    `lengths` (lengths.csv): per 1,000 input tokens where its inputs have tokens (text, and
    image-generation prompts), per 1,000 output tokens where its model generates text
    (`tasks.generates_text`), per image and per diffusion step for image generation. kWh per
    1,000 inferences divided by tokens per inference is kWh per 1,000 tokens; for one image per
    inference it is Wh per image. Empty where the unit does not apply or was not counted."""
    sizes = [c for c in UNIT_COLUMNS.values() if c is not None]
    lengths = with_scenario(lengths)
    merged = cells.merge(lengths[[*CELL_KEY, *sizes]], on=list(CELL_KEY), how="left")
    energy = merged["energy_kwh_per_1k_mean"]
    generating = [
        generates_text(t, k) for t, k in zip(merged["task"], merged["model_kind"], strict=True)
    ]
    image = merged["task"] == "image_generation"
    tokens_in = merged["mean_input_tokens"].where(merged["mean_input_tokens"] > 0)
    tokens_out = merged["mean_output_tokens"].where(pd.Series(generating, index=merged.index))
    steps = merged["mean_inference_steps"].where(image & (merged["mean_inference_steps"] > 0))
    return merged.drop(columns=sizes).assign(
        energy_kwh_per_1k_input_tokens=energy / tokens_in,
        energy_kwh_per_1k_output_tokens=energy / tokens_out.where(tokens_out > 0),
        energy_wh_per_image=energy.where(image),
        energy_wh_per_diffusion_step=energy.where(image) / steps,
    )


def summarize(
    measurements: pd.DataFrame,
    missing: pd.DataFrame | None = None,
    lengths: pd.DataFrame | None = None,
    max_relative_halfwidth: float = MAX_RELATIVE_HALFWIDTH,
) -> dict[str, pd.DataFrame]:
    """The summary tables, by file stem; with `lengths` (lengths.csv), cells' and models'
    energy per unit of work too (`energy_per_unit`; a model's: the mean over its datasets);
    values whose 95% half-width is over `max_relative_halfwidth` of the mean marked
    `imprecise`."""
    cells = cell_summary(measurements, max_relative_halfwidth)
    models = model_summary(measurements, max_relative_halfwidth)
    tasks = task_summary(measurements, missing, max_relative_halfwidth, models, cells)
    if lengths is not None and not lengths.empty:
        cells = energy_per_unit(cells, lengths)
        per_model = cells.groupby(list(MODEL_KEY))[list(UNIT_COLUMNS)].mean()
        models = models.merge(per_model.reset_index(), on=list(MODEL_KEY), how="left")
    return {
        "task_summary": tasks,
        "model_summary": models,
        "cell_summary": cells,
    }
