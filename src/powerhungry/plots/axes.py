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


def label_log_axis(axis: Axis, describe: Callable[[float], str]) -> None:
    """Label decades; on an axis too short to show two of them, label in-between marks too
    (2 and 5 times, or every multiple on a very short one) so it never goes unlabelled."""
    label = FuncFormatter(lambda value, _: describe(value))
    axis.set_major_formatter(label)
    low, high = axis.get_view_interval()
    decades = np.log10(high / low)
    if decades < 2.0:
        subs = (2.0, 5.0) if decades >= 0.7 else tuple(np.arange(2.0, 10.0))
        axis.set_minor_locator(LogLocator(subs=subs))
        axis.set_minor_formatter(label)
    else:
        axis.set_minor_formatter(NullFormatter())
