"""Not in the paper: GPU energy above the GPU's idle power, per cell, by task. The work a model
made its GPU do, without the power a GPU draws doing nothing (each job's own idle baseline,
`powerhungry.measure.idle`). A cell whose above-idle energy is negative or within its 95%
half-width of zero (`above_idle_flag`) is not drawn as a value: it is counted under its task."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.columns import CELL_KEY
from powerhungry.plots.axes import log_number_axis
from powerhungry.plots.messages import lacking_columns, missing
from powerhungry.plots.style import KIND_STYLE
from powerhungry.plots.uncertainty import RELATIVE, scatter_with_interval
from powerhungry.tasks import ordered_tasks, task_label

MEAN = "gpu_energy_above_idle_kwh_per_1k_mean"
HALFWIDTH = "gpu_energy_above_idle_kwh_per_1k_halfwidth_95"
FLAG = "above_idle_flag"
UNRESOLVED = ("negative", "within_halfwidth")
NOT_MEASURED_HOW = (
    "measure on a GPU: each job then takes its own idle baseline (protocol.idle_seconds) "
    "before loading its model"
)


def above_idle_per_task(cell_summary: pd.DataFrame) -> Figure:
    """One column per task: a dot per cell at its GPU energy above idle per 1,000 inferences
    (kWh, log scale) with its 95% interval, colour = task-specific or multi-purpose; under each
    task, how many of its cells are unresolved (negative, or within their half-width of zero),
    never drawn as a value. Cells measured without a GPU or a baseline are absent: on a study
    without any, a message says it was not measured."""
    title = "GPU energy above idle per task (query phase; one dot per cell)"
    needed = [*CELL_KEY, MEAN, HALFWIDTH, FLAG]
    if lacking := lacking_columns(title, {"cell_summary": (cell_summary, needed)}):
        return lacking
    flags = cell_summary[FLAG].astype("string").fillna("").astype(str)  # all empty: read as NaN
    measured = cell_summary[flags != ""]
    if measured.empty:
        what = (
            "no cell has GPU energy above idle: it was not measured (no GPU, or no idle baseline)"
        )
        return missing(title, what, NOT_MEASURED_HOW)
    resolved = measured[flags[flags != ""] == "resolved"]
    tasks = ordered_tasks(measured["task"])
    position = {task: i for i, task in enumerate(tasks)}
    figure, axes = plt.subplots(figsize=(max(6.0, 1.1 * len(tasks) + 2), 4.8))
    # Its own interval (the cell's `imprecise` is about its total energy, not this one).
    resolved = resolved.assign(**{RELATIVE: resolved[HALFWIDTH] / resolved[MEAN]}).drop(
        columns=["imprecise"], errors="ignore"
    )
    for kind, style in KIND_STYLE.items():
        rows = resolved[resolved["model_kind"] == kind]
        if rows.empty:
            continue
        offset = -0.15 if kind == "task_specific" else 0.15
        scatter_with_interval(
            axes,
            rows["task"].map(position) + offset,
            rows[MEAN],
            rows,
            color=style["color"],
            marker=style["marker"],
            alpha=0.7,
            label=style["label"],
        )
    unresolved = measured[flags[flags != ""].isin(UNRESOLVED)].groupby("task").size()
    labels = [
        task_label(t) + (f"\n{unresolved[t]} unresolved" if t in unresolved.index else "")
        for t in tasks
    ]
    axes.set_xticks(range(len(tasks)), labels, rotation=30, ha="right")
    axes.set_xlim(-0.6, len(tasks) - 0.4)
    if resolved.empty:  # every cell unresolved: an empty log axis still needs a range
        axes.set_ylim(1e-6, 1e-3)
    axes.set_yscale("log")
    axes.set_ylabel("GPU energy above idle per 1,000 inferences (kWh, log scale)")
    axes.set_title(title, fontsize=10, loc="left")
    axes.grid(axis="y", which="major", alpha=0.3)
    log_number_axis(axes.yaxis)
    handles, names = axes.get_legend_handles_labels()
    if len(unresolved):
        note = "unresolved: above-idle energy negative or within its 95% half-width of 0"
        handles, names = [*handles, plt.Line2D([], [], linestyle="")], [*names, note]
    axes.legend(handles, names, loc="lower right", bbox_to_anchor=(1.0, 1.0), frameon=False)
    figure.tight_layout()
    return figure
