"""Helpers shared by the quality scorers: missing values, prediction text, means."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

# What every per-task scorer returns: its metrics, and how many samples carried a usable reference.
Scored: TypeAlias = tuple[dict[str, float], int]


def is_missing(value: object) -> bool:
    """None, NaN, NA or NaT; containers (lists, arrays, dicts) are never missing themselves."""
    if value is None:
        return True
    if isinstance(value, list | tuple | dict | np.ndarray):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_text(value: object) -> str:
    """A prediction as text: '' when there is none (it then scores as wrong, never as dropped)."""
    return "" if is_missing(value) else str(value)


def mean(values: Sequence[float]) -> float:
    """The mean, or NaN when nothing was scored."""
    return float(sum(values) / len(values)) if values else float("nan")
