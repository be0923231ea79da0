"""Energy per task: the shape of the paper's Figure 1, energy per 1,000 inferences (kWh, query
phase) by task on a log scale, a dot per model and a bar at each model kind's mean."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.columns import GROUP_KEY, MODEL_KEY
from powerhungry.plots.messages import TABLE_HOW, lacking_columns, missing
from powerhungry.plots.style import ENERGY, KIND_STYLE
from powerhungry.plots.uncertainty import legend_entries, scatter_with_interval
from powerhungry.tasks import task_label


def energy_per_task(model_summary: pd.DataFrame, task_summary: pd.DataFrame) -> Figure:
    """Figure 1: one column per task (lowest mean first); a dot per model (its energy per
    1,000 inferences in kWh, mean over datasets, with its 95% interval; hollow if imprecise),
    a bar at each model kind's mean over models.
    The figure is 1.1 inches wider per task."""
    title = "Inference energy per task (query phase; bar: mean over models)"
    tables = {
        "model_summary": (model_summary, [*MODEL_KEY, "energy_kwh_per_1k"]),
        "task_summary": (task_summary, [*GROUP_KEY, "energy_kwh_per_1k_mean"]),
    }
    if lacking := lacking_columns(title, tables):
        return lacking
    if model_summary.empty or task_summary.empty:
        what = "the summary tables hold no measured model"
        return missing(title, what, TABLE_HOW["model_summary"])
    models, tasks = model_summary, task_summary
    order = tasks.groupby("task")["energy_kwh_per_1k_mean"].min().sort_values().index.tolist()
    position = {task: i for i, task in enumerate(order)}
    kinds = [k for k in KIND_STYLE if k in set(models["model_kind"])]
    offset = {kind: (i - (len(kinds) - 1) / 2) * 0.3 for i, kind in enumerate(kinds)}
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(order) + 2), 4.8))
    rng = np.random.default_rng(0)  # jitter only spreads overlapping dots
    hollow = False
    for kind in kinds:
        style = KIND_STYLE[kind]
        rows = models[models["model_kind"] == kind]
        x = rows["task"].map(position) + offset[kind]
        hollow |= scatter_with_interval(
            axes,
            x + rng.uniform(-0.08, 0.08, len(rows)),
            rows["energy_kwh_per_1k"],
            rows,
            color=style["color"],
            marker=style["marker"],
            alpha=0.7,
            label=style["label"],
        )
        means = tasks[tasks["model_kind"] == kind]
        axes.hlines(
            means["energy_kwh_per_1k_mean"],
            means["task"].map(position) + offset[kind] - 0.14,
            means["task"].map(position) + offset[kind] + 0.14,
            color=style["color"],
            linewidth=2.5,
        )
    axes.set_yscale("log")
    axes.set_xticks(range(len(order)), [task_label(t) for t in order], rotation=30, ha="right")
    axes.set_xlim(-0.6, len(order) - 0.4)
    axes.set_ylabel(ENERGY)
    axes.set_title(title, fontsize=10, loc="left")
    axes.grid(axis="y", which="major", alpha=0.3)
    # Above the axes, beside the title: inside, it would cover the points of the first tasks.
    axes.legend(
        *legend_entries(axes, hollow),
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=2,
        frameon=False,
    )
    figure.tight_layout()
    return figure
