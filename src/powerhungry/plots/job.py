"""The body of rules plot_<figure> (scripts/plot_figure.py): one figure of
`powerhungry.plots.registry.FIGURES`, named by the job's params.figure, from its input tables
(named inputs, one per table), saved as PNG and PDF. Imports matplotlib and pandas at module
level: the run's fork server imports this module once, and each figure's child inherits it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from powerhungry.plots.drawing import draw, save
from powerhungry.plots.messages import MISSING_LABEL, message_of
from powerhungry.plots.registry import FIGURES


def plot_figure(smk: Any) -> None:
    """Draw and save the figure of a Snakemake job object (`smk`: params.figure, a name in
    FIGURES; one input per table the figure reads; output.png, output.pdf). A figure whose
    tables hold nothing to draw is still written, as a message, and the log says why."""
    name = smk.params.figure
    figure = draw(name, {table: getattr(smk.input, table) for table in FIGURES[name].tables})
    if figure.get_label() == MISSING_LABEL:
        # Still a figure, so the report builds; the log says why it holds only a message.
        logging.warning("%s: drawn as a message: %s", name, message_of(figure))
    save(figure, Path(smk.output.png), Path(smk.output.pdf))
