"""How many repetitions: a fixed number (paper: 10), or adaptive — stop once the 95% confidence
interval of the mean query energy is narrow enough relative to the mean, or at a maximum."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import fmean, stdev

from powerhungry.study import Protocol


def halfwidth_95(values: Sequence[float]) -> float:
    """Half-width of the two-sided 95% Student-t confidence interval of the mean (NaN if n < 2)."""
    n = len(values)
    if n < 2:
        return math.nan
    # Imported here: scipy.stats takes seconds to import, which a fixed-repetition job skips.
    from scipy.stats import t as student_t

    return float(student_t.ppf(0.975, n - 1)) * stdev(values) / math.sqrt(n)


def enough_repetitions(query_energies: Sequence[float], protocol: Protocol) -> bool:
    n = len(query_energies)
    if n < protocol.repetitions:
        return False
    if not protocol.adaptive:
        return True
    if n >= (protocol.max_repetitions or n):
        return True
    target = protocol.target_relative_halfwidth or 0.0
    return halfwidth_95(query_energies) <= target * fmean(query_energies)
