"""This run against the paper (not a figure of the paper): per task and model kind, our query
energy per 1,000 inferences (kWh) beside the paper's, with the ratio ours / paper."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.plots.axes import log_number_axis, positive
from powerhungry.plots.messages import TABLE_HOW, lacking_columns, missing
from powerhungry.tasks import task_label

# --- Ours vs the paper -----------------------------------------------------------------------


def ours_vs_paper(comparison: pd.DataFrame) -> Figure:
    """Per task, our energy per 1,000 inferences (kWh) beside the paper's (log scale), with the
    ratio ours / paper on the right."""
    title = "Energy per 1,000 inferences by task: this run vs the paper"
    needed = [
        "level",
        "task",
        "model_kind",
        "ours_energy_kwh_per_1k",
        "paper_energy_kwh_per_1k",
        "energy_ratio",
    ]
    if lacking := lacking_columns(title, {"comparison": (comparison, needed)}):
        return lacking
    rows = comparison[comparison["level"] == "task"]
    rows = positive(rows, ["ours_energy_kwh_per_1k"]).reset_index(drop=True)
    if rows.empty:
        what = "results/tables/comparison.csv has no task-level row with an energy of ours"
        return missing(title, what, TABLE_HOW["comparison"])
    rows = comparison_rows(rows)
    figure, axes = plt.subplots(figsize=(7.5, 6.0), layout="constrained")
    y = np.arange(len(rows))
    for i, row in rows.iterrows():
        values = [row["ours_energy_kwh_per_1k"], row["paper_energy_kwh_per_1k"]]
        axes.plot(values, [i, i], color="0.7", linewidth=1.5, zorder=1)
    axes.scatter(rows["ours_energy_kwh_per_1k"], y, color="tab:blue", s=45, label="this run")
    axes.scatter(
        rows["paper_energy_kwh_per_1k"],
        y,
        facecolors="none",
        edgecolors="black",
        marker="D",
        s=40,
        label="paper",
    )
    axes.set_xscale("log")
    axes.set_yticks(y, rows["label"])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlabel("energy per 1,000 inferences (kWh, log scale)")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", which="major", alpha=0.3)
    # Below the axes: inside, it would sit on whichever task has the lowest energy.
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    log_number_axis(axes.xaxis)
    ratio_axis = axes.secondary_yaxis("right")
    ratio_axis.set_yticks(y, rows["ratio_label"])
    ratio_axis.set_ylabel("ratio (this run / paper)")
    ratio_axis.tick_params(length=0)
    return figure


def comparison_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by energy (largest at the top), with their tick and ratio labels."""
    paper = pd.to_numeric(rows["paper_energy_kwh_per_1k"], errors="coerce")
    paper = paper.where(paper > 0)  # a log axis cannot show 0; such rows read "not in paper"
    ratio = pd.to_numeric(rows["energy_ratio"], errors="coerce")
    ratio = ratio.fillna(rows["ours_energy_kwh_per_1k"] / paper)
    both_kinds = rows["model_kind"].nunique() > 1
    kind = rows["model_kind"].map({"task_specific": "task-specific"}).fillna("multi-purpose")
    label = rows["task"].map(task_label) + (", " + kind if both_kinds else "")
    ordered = rows.assign(
        paper_energy_kwh_per_1k=paper,
        label=label,
        ratio_label=ratio.map(format_ratio),
        order=paper.fillna(rows["ours_energy_kwh_per_1k"]),
    )
    return ordered.sort_values("order").reset_index(drop=True)


def format_ratio(ratio: float) -> str:
    """Ours / paper as a multiple ("\N{MULTIPLICATION SIGN}3.2"), or "not in paper"."""
    if not np.isfinite(ratio) or ratio <= 0:  # no paper value (or none of ours) to divide
        return "not in paper"
    times = "\N{MULTIPLICATION SIGN}"
    if ratio >= 100:
        return f"{times}{ratio:,.0f}"
    if ratio >= 0.5:
        return f"{times}{ratio:.2g}"
    # A fraction reads better than 8.2e-05: "x1/12,000" is "12,000 times less than the paper";
    # every ratio under one half is written so, so that a column of them compares at a glance.
    return f"{times}1/{float(f'{1 / ratio:.2g}'):,.0f}"
