"""The multi-purpose (zero-shot) models against the task-specific ones: the paper's Figure 3
(emissions on the datasets the multi-purpose models ran on, dot size = parameters, one panel per
task) and Figure 5 (each multi-purpose model's emissions by task, seq2seq vs decoder-only).

Emissions are per 1,000 inferences of the query phase, in g CO2eq. Multi-purpose models are
split into seq2seq and decoder-only by the `architecture_kind` the workflow recorded, not by
their names.
"""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from powerhungry.columns import CELL_KEY, MODEL_KEY
from powerhungry.plots.axes import log_number_axis, positive
from powerhungry.plots.legends import (
    area_scale,
    group_section,
    legend_beside,
    size_section,
    sized_like_circles,
)
from powerhungry.plots.messages import (
    ADD_MULTI_PURPOSE,
    HOW,
    TABLE_HOW,
    lacking_columns,
    missing,
)
from powerhungry.plots.style import (
    BUBBLE_STYLE,
    EMISSIONS,
    GROUP_STYLE,
    TASK_COLORS,
    WIDE_SIZE,
    format_count,
    group_of,
    present_groups,
    short_model,
    wrap_name,
)
from powerhungry.plots.uncertainty import (
    HATCH,
    IMPRECISE_BAR_NOTE,
    IMPRECISE_NOTE,
    imprecise_handle,
    imprecise_of,
    interval,
    scatter_with_interval,
    wrap_note,
)
from powerhungry.tasks import ordered_tasks, task_label

# --- Figure 3: emissions on the zero-shot datasets ------------------------------------------


def zero_shot_dataset_emissions(cell_summary: pd.DataFrame) -> Figure:
    """Figure 3: per dataset the multi-purpose models ran on, task-specific vs seq2seq vs
    decoder-only emissions per 1,000 inferences (g CO2eq, log scale, with 95% intervals; hollow
    if imprecise); dot size = parameters. One panel per task."""
    title = "Emissions on the zero-shot datasets: task-specific vs multi-purpose models"
    needed = [
        *CELL_KEY,
        "model_parameters",
        "emissions_g_per_1k_mean",
        "architecture_kind",
    ]
    if lacking := lacking_columns(title, {"cell_summary": (cell_summary, needed)}):
        return lacking
    zero_shot = cell_summary.loc[cell_summary["model_kind"] == "multi_purpose", ["task", "dataset"]]
    if zero_shot.empty:
        return missing(title, "the study has no multi-purpose models", ADD_MULTI_PURPOSE)
    cells = positive(
        cell_summary.merge(zero_shot.drop_duplicates()),
        ["model_parameters", "emissions_g_per_1k_mean"],
    )
    if cells.empty:
        what = "no zero-shot cell has both a parameter count and emissions above 0"
        return missing(title, what, HOW["model_parameters"])
    cells = cells.assign(group=group_of(cells))
    tasks = ordered_tasks(cells["task"])
    widths = [cells.loc[cells["task"] == t, "dataset"].nunique() for t in tasks]
    figure, panels = plt.subplots(
        1,
        len(tasks),
        figsize=WIDE_SIZE,
        sharey=True,
        layout="constrained",
        width_ratios=widths,
        squeeze=False,
    )
    area = area_scale(cells["model_parameters"])
    groups = present_groups(cells["group"])
    hollow = False
    for axes, task in zip(panels[0], tasks, strict=True):
        hollow |= draw_dataset_panel(axes, cells[cells["task"] == task], groups, area)
        axes.set_title(task_label(task), fontsize=10)
    panels[0][0].set_ylabel(EMISSIONS)
    # One label for all panels: per-panel labels sit at different heights under wrapped names.
    figure.supxlabel("dataset (the datasets the multi-purpose models ran on)", fontsize=10)
    figure.suptitle(title, fontsize=10)
    log_number_axis(panels[0][0].yaxis)
    sizes = size_section(cells["model_parameters"], area, format_count, "dot size: parameters")
    sections = [group_section(groups), sizes]
    if hollow:
        sections.append(("95% interval", [imprecise_handle()], [wrap_note(IMPRECISE_NOTE)]))
    legend_beside(panels[0][-1], sections)
    return figure


def draw_dataset_panel(
    axes: Axes, cells: pd.DataFrame, groups: list[str], area: Callable[..., np.ndarray]
) -> bool:
    """Datasets along x; each group in its own column; a group's models spread by size; each
    dot with its 95% interval, hollow if imprecise. Returns whether any dot is hollow."""
    hollow = False
    datasets = sorted(cells["dataset"].unique())
    offset = {g: (i - (len(groups) - 1) / 2) * 0.8 / len(groups) for i, g in enumerate(groups)}
    for position, dataset in enumerate(datasets):
        for group in groups:
            points = cells[(cells["dataset"] == dataset) & (cells["group"] == group)]
            points = points.sort_values("model_parameters")
            # Models of one group spread out, smallest left, so equal values stay visible.
            half = 0.3 / len(groups)
            spread = np.linspace(-half, half, len(points)) if len(points) > 1 else np.zeros(1)
            hollow |= scatter_with_interval(
                axes,
                position + offset[group] + spread[: len(points)],
                points["emissions_g_per_1k_mean"],
                points,
                s=sized_like_circles(area(points["model_parameters"]), group),
                **BUBBLE_STYLE,
                **GROUP_STYLE[group],
            )
    axes.set_yscale("log")
    axes.set_xticks(range(len(datasets)), [wrap_name(d) for d in datasets])
    axes.set_xlim(-0.6, len(datasets) - 0.4)
    axes.grid(axis="y", which="major", alpha=0.3)
    return hollow


# --- Figure 5: multi-purpose models' emissions by task --------------------------------------


def multi_purpose_emissions_by_task(model_summary: pd.DataFrame) -> Figure:
    """Figure 5: a bar per multi-purpose model and task (emissions per 1,000 inferences, g
    CO2eq, log scale, with its 95% interval; hatched if imprecise), models listed down the y
    axis (so long names never collide) under a heading per architecture: seq2seq, then
    decoder-only."""
    title = "Multi-purpose models: emissions by task, seq2seq vs decoder-only"
    needed = [
        *MODEL_KEY,
        "model_parameters",
        "architecture_kind",
        "emissions_g_per_1k",
    ]
    if lacking := lacking_columns(title, {"model_summary": (model_summary, needed)}):
        return lacking
    rows = model_summary[model_summary["model_kind"] == "multi_purpose"]
    if rows.empty:
        return missing(title, "the study has no multi-purpose models", ADD_MULTI_PURPOSE)
    rows = positive(rows, ["emissions_g_per_1k"])
    if rows.empty:
        what = "no multi-purpose model has emissions above 0"
        return missing(title, what, TABLE_HOW["model_summary"])
    rows = rows.assign(group=group_of(rows))
    lines = model_lines(rows)
    tasks = ordered_tasks(rows["task"])
    figure, axes = plt.subplots(figsize=(8.5, 6.0), layout="constrained")
    position = dict(zip(lines["model"], lines.index, strict=True))  # headings' model is None
    height = 0.8 / len(tasks)
    for i, task in enumerate(tasks):
        bars = rows[rows["task"] == task]
        axes.barh(
            bars["model"].map(position) + (i - (len(tasks) - 1) / 2) * height,
            bars["emissions_g_per_1k"],
            height=height * 0.95,
            xerr=interval(bars["emissions_g_per_1k"], bars),
            error_kw={"elinewidth": 0.9, "capsize": 2, "ecolor": "0.25"},
            hatch=[HATCH if imprecise else None for imprecise in imprecise_of(bars)],
            color=TASK_COLORS.get(task, "0.5"),
        )
    axes.set_xscale("log")
    # Bars on a log axis start at its left edge: leave room so the smallest bar is visible.
    axes.set_xlim(left=rows["emissions_g_per_1k"].min() / 2)
    axes.set_yticks(lines.index, lines["label"])
    for label, is_heading in zip(axes.get_yticklabels(), lines["heading"], strict=True):
        label.set_fontweight("bold" if is_heading else "normal")
    axes.set_ylim(len(lines) - 0.5, -0.5)  # first line at the top
    axes.set_xlabel(EMISSIONS)
    axes.set_ylabel("model (parameters counted from the loaded model)")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", which="major", alpha=0.3)
    # Plain patches: a task's bars' own handle would show the first bar's hatching.
    handles = [Patch(color=TASK_COLORS.get(task, "0.5")) for task in tasks]
    labels = [task_label(task) for task in tasks]
    if imprecise_of(rows).any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch=HATCH))
        labels.append(wrap_note(IMPRECISE_BAR_NOTE))
    axes.legend(
        handles, labels, title="task", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )
    log_number_axis(axes.xaxis)
    return figure


def model_lines(rows: pd.DataFrame) -> pd.DataFrame:
    """The y axis's lines: per architecture group a heading, then its models, smallest first."""
    models = rows.groupby("model", as_index=False).agg(
        group=("group", "first"), parameters=("model_parameters", "max")
    )
    lines = []
    for group in present_groups(models["group"]):
        lines.append({"model": None, "label": group, "heading": True})
        for model in (
            models[models["group"] == group].sort_values(["parameters", "model"]).itertuples()
        ):
            size = format_count(model.parameters) if model.parameters > 0 else "size unknown"
            lines.append(
                {
                    "model": model.model,
                    "label": f"{short_model(model.model)} ({size})",
                    "heading": False,
                }
            )
    return pd.DataFrame(lines)
