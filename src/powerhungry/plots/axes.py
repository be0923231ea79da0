"""Log axes: the rows a log axis can show, and tick labels that read as 10M or 0.01 rather than
as powers of ten, on every axis however short."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from matplotlib.axis import Axis
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from powerhungry.plots.style import format_count


def positive(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows whose `columns` are all positive numbers: the ones a log axis can show."""
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    shown = (values > 0).all(axis=1)
    # The kept rows' values only: assigned whole, they would give a table with no row left
    # every row back (an empty frame takes a new column's index).
    return table[shown].assign(**values[shown])


def log_count_axis(axis: Axis) -> None:
    """Parameter counts read as 10M, 1B rather than as powers of ten."""
    label_log_axis(axis, format_count)


def log_number_axis(axis: Axis) -> None:
    """Plain numbers (0.01, 1, 100) rather than powers of ten."""
    label_log_axis(axis, lambda value: f"{value:g}")


# In-between marks of a short log axis, the sparsest first: 2 and 5 times a power of ten, then
# 3 times too, then the even multiples, then every multiple.
IN_BETWEEN = ((2.0, 5.0), (2.0, 3.0, 5.0), (2.0, 4.0, 6.0, 8.0), tuple(np.arange(2.0, 10.0)))


def label_log_axis(axis: Axis, describe: Callable[[float], str]) -> None:
    """Label decades; on an axis too short to show two of them, label in-between marks too, the
    sparsest set (IN_BETWEEN) that puts two labels on it, so that it never goes unlabelled and
    the labels of a narrow panel do not run into each other."""
    label = FuncFormatter(lambda value, _: describe(value))
    axis.set_major_formatter(label)
    low, high = axis.get_view_interval()
    if np.log10(high / low) < 2.0:
        subs = next((s for s in IN_BETWEEN if len(_marks(low, high, s)) >= 2), IN_BETWEEN[-1])
        axis.set_minor_locator(LogLocator(subs=subs))
        axis.set_minor_formatter(label)
    else:
        axis.set_minor_formatter(NullFormatter())


def _marks(low: float, high: float, subs: Sequence[float]) -> list[float]:
    """The powers of ten and their `subs` multiples from `low` to `high`."""
    decades = range(int(np.floor(np.log10(low))), int(np.ceil(np.log10(high))) + 1)
    marks = (m * 10.0**e for e in decades for m in (1.0, *subs))
    return [m for m in marks if low <= m <= high]
