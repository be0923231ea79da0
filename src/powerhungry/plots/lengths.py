"""Output length against emissions: the paper's Figure 6, one dot per summarization model and
dataset, mean generated tokens per summary vs emissions per 1,000 inferences (g CO2eq, query
phase)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from powerhungry.columns import CELL_KEY
from powerhungry.plots.axes import log_number_axis, positive
from powerhungry.plots.legends import legend_beside
from powerhungry.plots.messages import lacking_columns, missing
from powerhungry.plots.style import (
    EMISSIONS,
    GROUP_STYLE,
    SCATTER_SIZE,
    group_of,
    present_groups,
)
from powerhungry.plots.uncertainty import (
    IMPRECISE_NOTE,
    imprecise_handle,
    scatter_with_interval,
    wrap_note,
)

# --- Figure 6: summary length vs emissions --------------------------------------------------


def summarization_length_vs_emissions(cell_summary: pd.DataFrame, lengths: pd.DataFrame) -> Figure:
    """Figure 6: one dot per summarization model and dataset: mean generated tokens vs
    emissions per 1,000 inferences (g CO2eq, log scale); colour = model group, marker =
    dataset."""
    title = "Summarization: output length vs emissions"
    keys = list(CELL_KEY)
    tables = {
        "cell_summary": (cell_summary, [*keys, "emissions_g_per_1k_mean"]),
        "lengths": (lengths, [*keys, "mean_output_tokens"]),
    }
    if lacking := lacking_columns(title, tables):
        return lacking
    cells = cell_summary[cell_summary["task"] == "summarization"]
    if cells.empty:
        how = "add summarization datasets and models to the study config and rerun the workflow"
        return missing(title, "the study measured no summarization model", how)
    rows = positive(
        cells.merge(lengths[[*keys, "mean_output_tokens"]], on=keys),
        ["emissions_g_per_1k_mean", "mean_output_tokens"],
    )
    if rows.empty:
        what = "results/tables/lengths.csv has no output length for the summarization cells"
        return missing(title, what, "rerun rule tabulate_lengths")
    return length_scatter(rows.assign(group=group_of(rows)), title)


def length_scatter(rows: pd.DataFrame, title: str) -> Figure:
    """Summarization cells (`rows`, with their group): mean generated tokens vs emissions per
    1,000 inferences (g CO2eq, log scale, with 95% intervals; hollow if imprecise)."""
    figure, axes = plt.subplots(figsize=SCATTER_SIZE, layout="constrained")
    datasets = sorted(rows["dataset"].unique())
    markers = dict(zip(datasets, "osD^vP*Xh<>p", strict=False))
    groups = present_groups(rows["group"])
    hollow = False
    for group in groups:
        for dataset in datasets:
            points = rows[(rows["group"] == group) & (rows["dataset"] == dataset)]
            hollow |= scatter_with_interval(
                axes,
                points["mean_output_tokens"],
                points["emissions_g_per_1k_mean"],
                points,
                s=45,
                color=GROUP_STYLE[group]["color"],
                marker=markers.get(dataset, "o"),
                alpha=0.7,
            )
    axes.set_yscale("log")
    axes.set_xlabel("mean generated tokens per summary")
    axes.set_ylabel(EMISSIONS)
    axes.set_title(f"{title} (one dot per model and dataset)", fontsize=10)
    axes.grid(which="major", alpha=0.3)
    log_number_axis(axes.yaxis)
    colours = [
        Line2D([], [], linestyle="", marker="o", markersize=8, color=GROUP_STYLE[g]["color"])
        for g in groups
    ]
    shapes = [
        Line2D([], [], linestyle="", marker=markers.get(d, "o"), markersize=7, color="0.4")
        for d in datasets
    ]
    sections = [("colour: model", colours, groups), ("marker: dataset", shapes, datasets)]
    if hollow:
        sections.append(("95% interval", [imprecise_handle()], [wrap_note(IMPRECISE_NOTE)]))
    legend_beside(axes, sections)
    return figure
