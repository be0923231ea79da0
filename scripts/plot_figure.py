"""Rules plot_<figure>: one figure of powerhungry.plots.registry.FIGURES, named by
params.figure, from its input tables (named inputs, one per table), as PNG and PDF."""

import logging
from pathlib import Path

from powerhungry.logs import log_to
from powerhungry.plots.drawing import draw, save
from powerhungry.plots.messages import MISSING_LABEL, message_of
from powerhungry.plots.registry import FIGURES

with log_to(snakemake.log[0]):
    name = snakemake.params.figure
    inputs = FIGURES[name].tables
    figure = draw(name, {table: getattr(snakemake.input, table) for table in inputs})
    if figure.get_label() == MISSING_LABEL:
        # Still a figure, so the report builds; the log says why it holds only a message.
        logging.warning("%s: drawn as a message: %s", name, message_of(figure))
    save(figure, Path(snakemake.output.png), Path(snakemake.output.pdf))
