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

from powerhungry.analysis.aggregate import default_scenario
from powerhungry.analysis.summary import substitutes_read
from powerhungry.columns import (
    DATASET_SUBSTITUTE,
    DEFAULT_SCENARIO,
    MODEL,
    SCENARIO,
    SUBSTITUTED_DATASETS,
)
from powerhungry.files import atomic_path, read_table
from powerhungry.plots.registry import FIGURES
from powerhungry.plots.style import DPI
from powerhungry.tasks import load

FigureFunction = Callable[..., Figure]
NOTE_GID = "figure-note"  # the gid of the notes under a figure (substitutes, cells not measured)


def figure_function(name: str) -> FigureFunction:
    """The function that draws figure `name` of FIGURES, imported now."""
    return load(FIGURES[name].function, "powerhungry.plots")


def draw(name: str, table_paths: Mapping[str, str | Path]) -> Figure:
    """Figure `name` of FIGURES from its input tables, given by table name; under it, notes
    naming the substituted datasets among its cells (`substitution_note`) and the cells not
    measured (`missing_note`), if any."""
    function, spec = figure_function(name), FIGURES[name]
    tables = {table: read_table(table_paths[table]) for table in spec.tables}
    if not spec.all_scenarios:
        tables = {table: default_scenario(rows) for table, rows in tables.items()}
    figure = function(**tables)
    notes = [n for n in (substitution_note(tables.values()), missing_note(tables.values())) if n]
    if notes:  # below the page: `save` then grows the page to hold it
        text = "\n".join(notes)
        figure.text(0.01, -0.01, text, ha="left", va="top", fontsize=8, gid=NOTE_GID)
    return figure


def missing_note(tables: Iterable[pd.DataFrame]) -> str | None:
    """The note naming, per row of a table with `n_cells_missing` (task_summary: per task and
    model kind; scenario_summary: per model too), the cells not measured (their model failed:
    results/tables/missing_cells.csv), a scenario other than the default named first; None if
    none is missing or no table says. Those cells are absent from the figure, never 0."""
    for table in tables:
        if "n_cells_missing" not in table.columns:
            continue
        counts = pd.to_numeric(table["n_cells_missing"], errors="coerce").fillna(0).astype(int)
        named = [
            f"{_where(row)}: {count}"
            for row, count in zip(table.to_dict("records"), counts, strict=True)
            if count > 0
        ]
        if named:
            listed = textwrap.fill("; ".join(named), width=110)
            total = int(counts.sum())
            return (
                f"Not measured, so not shown: {total} cell{'s' * (total != 1)} "
                f"(results/tables/missing_cells.csv names each and says why):\n{listed}"
            )
    return None


def _where(row: Mapping[str, object]) -> str:
    """A row's cells as the missing note names them: "[scenario: ]task (kind)[ model]"."""
    where = f"{row['task']} ({str(row['model_kind']).replace('_', '-')})"
    if MODEL in row:
        where += f" {row[MODEL]}"
    scenario = row.get(SCENARIO)
    return where if pd.isna(scenario) or scenario == DEFAULT_SCENARIO else f"{scenario}: {where}"


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
