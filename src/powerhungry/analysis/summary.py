"""Energy and emissions per 1,000 inferences, per model and per task, as the paper computed them.

Only the query phase counts (the paper excluded model loading). A model's value is the mean over
its datasets of the mean over repetitions; a task's statistics are taken over its models' values.
In the paper's balanced design (every model: 3 datasets x 10 repetitions) the task mean equals the
mean over all query runs, which reproduces Table 2; the paper's printed std is the std over runs,
reported here as `..._std_over_runs`.
"""

from __future__ import annotations

import pandas as pd

REQUIRED_COLUMNS = [
    "task",
    "model",
    "model_kind",
    "dataset",
    "phase",
    "n_inferences",
    "energy_kwh",
    "emissions_kg",
]
METRICS = {
    # column per 1,000 inferences: (source column, factor from the source unit)
    "energy_kwh_per_1k": ("energy_kwh", 1.0),
    "emissions_g_per_1k": ("emissions_kg", 1000.0),
}
GROUP = ["task", "model_kind"]


def query_rows_per_1k(measurements: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in REQUIRED_COLUMNS if c not in measurements.columns]
    if missing:
        raise ValueError(f"measurements table lacks columns: {', '.join(missing)}")
    query = measurements[measurements["phase"] == "query"].dropna(
        subset=["task", "model", "dataset"]
    )
    if query.empty:
        raise ValueError("measurements table has no query-phase rows with a task and dataset")
    per_1k = query[["task", "model_kind", "model", "dataset"]].copy()
    for name, (column, factor) in METRICS.items():
        per_1k[name] = query[column] * factor / query["n_inferences"] * 1000
    return per_1k


def model_summary(measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per task, model kind and model: mean over datasets of mean over repetitions."""
    per_1k = query_rows_per_1k(measurements)
    per_dataset = per_1k.groupby([*GROUP, "model", "dataset"]).agg(
        repetitions=("dataset", "size"), **{m: (m, "mean") for m in METRICS}
    )
    per_model = per_dataset.groupby([*GROUP, "model"]).agg(
        n_datasets=("repetitions", "size"),
        n_runs=("repetitions", "sum"),
        **{m: (m, "mean") for m in METRICS},
    )
    return per_model.reset_index()


def task_summary(measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per task and model kind: statistics over the models' values."""
    models = model_summary(measurements)
    runs = query_rows_per_1k(measurements)
    summary = models.groupby(GROUP).agg(
        n_models=("model", "size"),
        n_runs=("n_runs", "sum"),
        **{
            f"{metric}_{stat}": (metric, stat)
            for metric in METRICS
            for stat in ("mean", "std", "median", "min", "max")
        },
    )
    over_runs = runs.groupby(GROUP).agg(**{f"{m}_std_over_runs": (m, "std") for m in METRICS})
    summary = summary.join(over_runs).reset_index()
    return summary.sort_values(["energy_kwh_per_1k_mean", *GROUP], ignore_index=True)


def summarize(measurements: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The summary tables, by file stem."""
    return {
        "task_summary": task_summary(measurements),
        "model_summary": model_summary(measurements),
    }
