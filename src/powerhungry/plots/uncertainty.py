"""The 95% confidence intervals of plotted energies and emissions, drawn where the values are
read: a bar through each dot (or along each bar) as long as the value's 95% half-width, and a
hollow dot (a hatched bar) for a value marked `imprecise` in the summary tables (its half-width
over summary.max_relative_halfwidth of its mean, or unknown: a single repetition).

Emissions and energies per unit of work share their energy's relative half-width
(`relative_halfwidth_95`): within a run the carbon intensity is one constant, and a cell's sizes
(tokens, images) are fixed, so each scales the mean and its half-width alike.
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

RELATIVE = "relative_halfwidth_95"
IMPRECISE = "imprecise"
IMPRECISE_NOTE = "hollow: imprecise (a wide 95% interval)"
IMPRECISE_BAR_NOTE = "hatched: imprecise (a wide 95% interval)"
HATCH = "///"
# On a log axis a bar cannot reach 0: its lower end stops at this share of the value.
LOG_FLOOR = 0.01


def interval(values: pd.Series, rows: pd.DataFrame) -> np.ndarray:
    """Bar lengths below and above each of `values` (shape (2, n), in their unit): the value
    times its row's relative half-width (`bar_lengths`); 0 where unknown or not recorded (a
    table written before intervals were)."""
    relative = pd.to_numeric(rows[RELATIVE], errors="coerce") if RELATIVE in rows else None
    if relative is None:
        return np.zeros((2, len(values)))
    return bar_lengths(values, np.asarray(values, dtype=float) * relative.to_numpy())


def bar_lengths(values: pd.Series | np.ndarray, halfwidths: pd.Series | np.ndarray) -> np.ndarray:
    """Bar lengths below and above each of `values` (shape (2, n), in their unit) from their
    95% half-widths (same unit): 0 where unknown, and never reaching 0 below (a log axis)."""
    values = np.asarray(values, dtype=float)
    half = np.nan_to_num(np.asarray(halfwidths, dtype=float), nan=0.0).clip(min=0)
    return np.vstack([np.minimum(half, values * (1 - LOG_FLOOR)), half])


def imprecise_of(rows: pd.DataFrame) -> np.ndarray:
    """Whether each row's value is marked imprecise (False where the table does not say)."""
    if IMPRECISE not in rows.columns:
        return np.zeros(len(rows), dtype=bool)
    return rows[IMPRECISE].astype(str).str.lower().eq("true").to_numpy()


def scatter_with_interval(
    axes: Axes,
    x: pd.Series,
    y: pd.Series,
    rows: pd.DataFrame,
    xerr: np.ndarray | None = None,
    **style: Any,
) -> bool:
    """`axes.scatter(x, y, **style)` with each point's 95% interval as a vertical bar in its
    colour (and `xerr`'s bars, `bar_lengths` of another quantity on x, as horizontal ones), and
    imprecise points hollow (`scatter_marking_imprecise`); returns whether any was."""
    y = np.asarray(y, dtype=float)
    bars = interval_bars(style.get("color", "0.3"))
    axes.errorbar(np.asarray(x, dtype=float), y, yerr=interval(y, rows), xerr=xerr, **bars)
    return scatter_marking_imprecise(axes, x, y, rows, **style)


def interval_bars(color: Any) -> dict[str, Any]:
    """`axes.errorbar`'s arguments for intervals drawn as thin translucent bars in `color`,
    without markers (the points are scattered apart)."""
    return {"fmt": "none", "ecolor": color, "elinewidth": 0.9, "alpha": 0.6}


def scatter_marking_imprecise(
    axes: Axes, x: pd.Series, y: pd.Series, rows: pd.DataFrame, **style: Any
) -> bool:
    """`axes.scatter(x, y, **style)`, imprecise points (`imprecise_of(rows)`) hollow; returns
    whether any was. One legend entry (`label`), a filled dot even where all are hollow."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    color = style.get("color", "0.3")
    hollow = imprecise_of(rows)
    sizes, label = style.pop("s", None), style.pop("label", None)
    for shown, extra in (
        (~hollow, {}),
        (hollow, {"facecolors": "none", "edgecolors": color, "linewidths": 1.3}),
    ):
        if not shown.any() and not extra:  # all hollow: the legend still shows a filled dot
            axes.scatter([], [], label=label, **style)
            label = None
        if not shown.any():
            continue
        if sizes is not None:
            extra["s"] = sizes[shown] if np.ndim(sizes) else sizes
        axes.scatter(x[shown], y[shown], label=label, **{**style, **extra})
        label = None  # one legend entry per call
    return bool(hollow.any())


def imprecise_handle() -> Line2D:
    """A legend handle for IMPRECISE_NOTE: a hollow grey dot."""
    return Line2D([], [], linestyle="", marker="o", markersize=8, color="0.4", fillstyle="none")


def wrap_note(note: str, width: int = 28) -> str:
    """A note broken into lines for a legend beside the axes."""
    return textwrap.fill(note, width=width)


def legend_entries(axes: Axes, hollow: bool) -> tuple[list[Any], list[str]]:
    """The axes' legend handles and labels, and IMPRECISE_NOTE's if any point is hollow."""
    handles, labels = axes.get_legend_handles_labels()
    if hollow:
        return [*handles, imprecise_handle()], [*labels, IMPRECISE_NOTE]
    return handles, labels
