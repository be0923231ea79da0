"""Dots whose area carries a quantity (parameters, emissions), and the legend beside the axes
that explains colours, markers and dot sizes in headed sections."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle

from powerhungry.plots.style import GROUP_STYLE

Section = tuple[str, list[Line2D], list[str]]  # heading, handles, labels


def area_scale(values: pd.Series) -> Callable[[Iterable[float]], np.ndarray]:
    """Marker area in pt^2, growing with log(value): sizes and emissions span orders of
    magnitude, so an area proportional to the value would shrink most models to specks."""
    low, high = np.log10(values.min()), np.log10(values.max())
    span = high - low

    def area(value: Iterable[float]) -> np.ndarray:
        logs = np.log10(np.asarray(list(value), dtype=float))
        if span < 1e-9:
            return np.full(logs.shape, 100.0)
        return 20.0 + 280.0 * (logs - low) / span

    return area


def marker_area(marker: str) -> float:
    """Area of a marker drawn at size 1, from its outline (shoelace formula)."""
    style = MarkerStyle(marker)
    outline = style.get_path().transformed(style.get_transform())
    return sum(
        0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
        for x, y in (polygon.T for polygon in outline.to_polygons())
    )


def sized_like_circles(areas: np.ndarray, group: str) -> np.ndarray:
    """Scatter sizes for a group's marker that cover the same area as a circle would: at equal
    `s` a square covers 27% more than a circle, which would overstate that group's models."""
    return areas * marker_area("o") / marker_area(GROUP_STYLE[group]["marker"])


def reference_values(values: pd.Series) -> list[float]:
    """Up to three round values spanning `values`, for a size legend."""
    low, high = float(values.min()), float(values.max())
    picks = [low, float(np.sqrt(low * high)), high] if high > low * 1.5 else [high]
    return sorted({float(f"{v:.1g}") for v in picks})


def size_section(
    values: pd.Series,
    area: Callable[[Iterable[float]], np.ndarray],
    describe: Callable[[float], str],
    heading: str,
) -> Section:
    """A legend section of grey dots at round values of `values`, sized as `area` sizes them."""
    references = reference_values(values)
    handles = [
        Line2D([], [], linestyle="", marker="o", color="0.55", markersize=np.sqrt(a))
        for a in area(references)
    ]
    return heading, handles, [describe(v) for v in references]


def group_section(groups: Sequence[str], heading: str = "model") -> Section:
    """A legend section with the colour and marker of each model group."""
    handles = [
        Line2D([], [], linestyle="", markersize=8, alpha=0.8, **GROUP_STYLE[g]) for g in groups
    ]
    return heading, handles, list(groups)


def legend_beside(axes: Axes, sections: Sequence[Section]) -> None:
    """One legend right of the axes, a bold heading per section. One legend, because it is
    the axes' own legend that constrained layout makes room for; added artists overflow."""
    handles: list[Line2D] = []
    labels: list[str] = []
    headings = []
    for heading, section_handles, section_labels in sections:
        headings.append(len(labels))
        handles += [Line2D([], [], linestyle="", marker=""), *section_handles]
        labels += [heading, *section_labels]
    legend = axes.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=9,
        labelspacing=1.0,
        handlelength=1.5,
    )
    for index in headings:
        legend.get_texts()[index].set_fontweight("bold")
