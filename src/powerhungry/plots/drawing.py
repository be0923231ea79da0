"""Tables in, figure files out: any figure of the registry (`powerhungry.plots.registry.FIGURES`)
drawn from its table files, and written as PNG and PDF."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.analysis.summary import substitutes_read
from powerhungry.columns import DATASET_SUBSTITUTE, SUBSTITUTED_DATASETS
from powerhungry.files import atomic_path, read_table
from powerhungry.plots.registry import FIGURES
from powerhungry.plots.style import DPI
from powerhungry.tasks import load

FigureFunction = Callable[..., Figure]
NOTE_GID = "substitution-note"  # the gid of the note under a figure with substituted datasets


def figure_function(name: str) -> FigureFunction:
    """The function that draws figure `name` of FIGURES, imported now."""
    return load(FIGURES[name].function, "powerhungry.plots")


def draw(name: str, table_paths: Mapping[str, str | Path]) -> Figure:
    """Figure `name` of FIGURES from its input tables, given by table name; under it, a note
    naming the substituted datasets among its cells, if any (`substitution_note`)."""
    function = figure_function(name)
    tables = {table: read_table(table_paths[table]) for table in FIGURES[name].tables}
    figure = function(**tables)
    note = substitution_note(tables.values())
    if note:  # below the page: `save` then grows the page to hold it
        figure.text(0.01, -0.01, note, ha="left", va="top", fontsize=8, gid=NOTE_GID)
    return figure


def substitution_note(tables: Iterable[pd.DataFrame]) -> str | None:
    """The note naming each substituted dataset ("oscar (HuggingFaceFW/fineweb); ...") that
    the tables hold, from their DATASET_SUBSTITUTE (per cell) and SUBSTITUTED_DATASETS (per
    group) columns; None if no cell read a substitute. It names what the tables hold, which
    may include tasks the figure does not draw."""
    named: set[str] = set()
    for table in tables:
        if DATASET_SUBSTITUTE in table.columns and "dataset" in table.columns:
            read = substitutes_read(table[DATASET_SUBSTITUTE])
            named |= {f"{d} ({r})" for d, r in zip(table["dataset"], read, strict=True) if r}
        if SUBSTITUTED_DATASETS in table.columns:
            for joined in table[SUBSTITUTED_DATASETS].dropna().astype(str):
                named |= {name for name in joined.split("; ") if name}
    if not named:
        return None
    listed = textwrap.fill("; ".join(sorted(named)), width=110)
    return (
        "The tables this figure is drawn from hold cells on substituted datasets (the paper's "
        f"cannot be had today; they read the repository named):\n{listed}"
    )


def save(figure: Figure, png_path: Path, pdf_path: Path) -> None:
    """Write the figure as PNG (at DPI) and PDF, each atomically, and release it. A figure
    keeps its size, unless it has a substitution note below it: then the page is cropped to
    what is drawn, note included (taller, and a little wider or narrower)."""
    noted = any(text.get_gid() == NOTE_GID for text in figure.texts)
    for path in (png_path, pdf_path):
        with atomic_path(path) as tmp:
            figure.savefig(
                tmp,
                format=Path(path).suffix.lstrip("."),
                dpi=DPI,
                bbox_inches="tight" if noted else None,
            )
    plt.close(figure)
