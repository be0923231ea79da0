"""Tables in, figure files out: any figure of the registry (`powerhungry.plots.registry.FIGURES`)
drawn from its table files, and written as PNG and PDF."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.files import atomic_path
from powerhungry.plots.registry import FIGURES
from powerhungry.plots.style import DPI
from powerhungry.tasks import load

FigureFunction = Callable[..., Figure]


def figure_function(name: str) -> FigureFunction:
    """The function that draws figure `name` of FIGURES, imported now."""
    return load(FIGURES[name].function, "powerhungry.plots")


def read_table(path: str | Path) -> pd.DataFrame:
    """A table, or an empty one for an empty file (a step with nothing to report)."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def draw(name: str, table_paths: Mapping[str, str | Path]) -> Figure:
    """Figure `name` of FIGURES from its input tables, given by table name."""
    function = figure_function(name)
    return function(**{table: read_table(table_paths[table]) for table in FIGURES[name].tables})


def save(figure: Figure, png_path: Path, pdf_path: Path) -> None:
    """Write the figure as PNG (at DPI) and PDF, each atomically, and release it."""
    for path in (png_path, pdf_path):
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=Path(path).suffix.lstrip("."), dpi=DPI)
    plt.close(figure)
