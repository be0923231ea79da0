"""Two runs compared (not figures of the paper): this run against the paper, per task and model
kind, our query energy per 1,000 inferences (kWh) beside the paper's with the ratio ours /
paper; and any two runs (`powerhungry compare`), the ratio B / A per cell with its 95% interval.
Each states, above its axes, what differs between the runs (`powerhungry.analysis.compare`)."""

from __future__ import annotations

import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.plots.axes import log_number_axis, positive
from powerhungry.plots.messages import TABLE_HOW, lacking_columns, missing
from powerhungry.plots.style import ENERGY, short_model
from powerhungry.tasks import task_label

# The setup table's columns (comparison_setup.csv, `powerhungry.analysis.compare.setup_table`).
SETUP = ["property", "paper", "ours", "differs"]
# Properties the legend names each run by.
LEGEND_PROPERTIES = ("GPU", "carbon intensity (g CO2eq/kWh)")
RUN_NAMES = {"ours": "this run", "paper": "paper"}
WRAP = 80  # characters of a 9 pt title line over the axes of a 7.5 in wide figure

# --- Ours vs the paper -----------------------------------------------------------------------


def ours_vs_paper(comparison: pd.DataFrame, comparison_setup: pd.DataFrame) -> Figure:
    """Per task, our energy per 1,000 inferences (kWh) beside the paper's (log scale), each with
    its 95% interval, with the ratio ours / paper on the right; the legend names each run's GPU
    and carbon intensity, and the properties that differ are listed under the title."""
    title = "Energy per 1,000 inferences by task: this run vs the paper"
    if lacking := lacking_columns(title, {"comparison_setup": (comparison_setup, SETUP)}):
        return lacking
    needed = [
        "level",
        "task",
        "model_kind",
        "ours_energy_kwh_per_1k",
        "paper_energy_kwh_per_1k",
        "energy_ratio",
        "ours_energy_kwh_per_1k_halfwidth_95",
        "paper_energy_kwh_per_1k_halfwidth_95",
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
    for side, style in (
        ("ours", {"color": "tab:blue", "marker": "o", "markersize": 7}),
        ("paper", {"color": "black", "marker": "D", "markersize": 6, "markerfacecolor": "none"}),
    ):
        axes.errorbar(
            rows[f"{side}_energy_kwh_per_1k"],
            y,
            xerr=halfwidths(rows, f"{side}_energy_kwh_per_1k"),
            linestyle="none",
            capsize=3,
            label=run_label(side, comparison_setup),
            **style,
        )
    axes.set_xscale("log")
    axes.set_yticks(y, rows["label"])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlabel(ENERGY)
    axes.set_title(f"{title}\n{differing(comparison_setup, ('paper', 'ours'))}", fontsize=9)
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


def halfwidths(rows: pd.DataFrame, column: str) -> np.ndarray:
    """The 95% half-widths of `column` as error-bar lengths: 0 where unknown (one repetition)."""
    return pd.to_numeric(rows[f"{column}_halfwidth_95"], errors="coerce").fillna(0).to_numpy()


def run_label(name: str, setup: pd.DataFrame) -> str:
    """A run's legend entry: its name, GPU (or "CPU") and carbon intensity."""
    values = setup.set_index("property")[name]
    gpu = values.get("GPU", "none")
    hardware = "CPU" if gpu in ("none", "not recorded") else gpu
    intensity = values.get(LEGEND_PROPERTIES[1], "not recorded")
    return f"{RUN_NAMES.get(name, name)} ({hardware}; {intensity} g CO$_2$eq/kWh)"


def differing(setup: pd.DataFrame, names: tuple[str, str], limit: int = 4) -> str:
    """The properties that differ between the runs, as "GPU: x vs y; ..." (the first `limit`,
    then how many more) wrapped to a title's width, or that none differs."""
    rows = setup[setup["differs"].astype(str).str.lower() == "true"]
    if rows.empty:
        return "the runs differ in no recorded property"
    shown = [
        f"{row['property']}: {_short(row[names[0]])} vs {_short(row[names[1]])}"
        for _, row in rows.head(limit).iterrows()
    ]
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return textwrap.fill("differs: " + "; ".join(shown) + more, width=WRAP)


def _short(value: object, width: int = 28) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "\N{HORIZONTAL ELLIPSIS}"


# --- Any two runs ------------------------------------------------------------------------------


def run_ratios(
    comparison: pd.DataFrame,
    setup: pd.DataFrame,
    names: tuple[str, str],
    sources: tuple[str, str],
) -> Figure:
    """Per cell both runs measured (`powerhungry.analysis.compare.compare_runs`), the ratio of
    their energies per 1,000 inferences, B / A, with its 95% interval (log scale; 1 marked),
    the cells in order of ratio; a ratio whose interval is unknown (one repetition) hollow;
    what each run is (`sources`) and what differs between them above, and the cells without a
    ratio (an energy of 0 or none) counted below."""
    title = f"Energy per 1,000 inferences, {names[1]} / {names[0]}, per cell"
    runs = f"{names[0]} = {_short(sources[0], 45)}; {names[1]} = {_short(sources[1], 45)}"
    cells = comparison[comparison["level"] == "cell"]
    shown = positive(cells, ["energy_ratio"]).sort_values("energy_ratio", ignore_index=True)
    if shown.empty:
        what = (
            "the runs have no cell in common with a ratio"
            if len(cells)
            else ("the runs have no cell in common")
        )
        return missing(title, what, "compare runs of the same study")
    figure, axes = plt.subplots(
        figsize=(8.0, max(3.0, 1.6 + 0.28 * len(shown))), layout="constrained"
    )
    y = np.arange(len(shown))
    ratio = shown["energy_ratio"]
    low = pd.to_numeric(shown["energy_ratio_low_95"], errors="coerce")
    high = pd.to_numeric(shown["energy_ratio_high_95"], errors="coerce")
    unknown = (low.isna() | high.isna()).to_numpy()
    bars = [(ratio - low).fillna(0).to_numpy(), (high - ratio).fillna(0).to_numpy()]
    axes.errorbar(ratio, y, xerr=bars, fmt="none", ecolor="tab:blue", capsize=3)
    axes.scatter(ratio[~unknown], y[~unknown], color="tab:blue", zorder=3)
    if unknown.any():
        axes.scatter(
            ratio[unknown],
            y[unknown],
            facecolors="none",
            edgecolors="tab:blue",
            zorder=3,
            label="hollow: interval unknown (a single repetition)",
        )
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    axes.axvline(1.0, color="0.5", linewidth=1, linestyle="--")
    labels = [
        f"{task_label(t)} \N{MIDDLE DOT} {short_model(m)} \N{MIDDLE DOT} {d}"
        for t, m, d in zip(shown["task"], shown["model"], shown["dataset"], strict=True)
    ]
    axes.set_yticks(y, labels, fontsize=8)
    axes.set_ylim(-0.7, len(shown) - 0.3)
    axes.set_xscale("log")
    log_number_axis(axes.xaxis)
    axes.set_xlabel(f"ratio {names[1]} / {names[0]} (log scale; bars: 95% interval)")
    axes.margins(x=0.08)
    # Over the whole figure: the cell labels leave the axes too narrow for it.
    figure.suptitle(f"{title}\n{runs}\n{differing(setup, names)}", fontsize=9)
    axes.grid(axis="x", which="both", alpha=0.3)
    if len(cells) > len(shown):
        figure.supxlabel(
            f"{len(cells) - len(shown)} cells in common not drawn: no ratio (an energy of 0 or "
            "none; comparison.csv lists them)",
            fontsize=8,
        )
    return figure
