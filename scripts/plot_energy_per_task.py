"""Rule plot_energy_per_task: the paper's Figure 1 shape from the summary tables."""

from pathlib import Path

import pandas as pd

from powerhungry.logs import log_to
from powerhungry.plots.energy_per_task import plot_energy_per_task

with log_to(snakemake.log[0]):
    plot_energy_per_task(
        models=pd.read_csv(snakemake.input.models),
        tasks=pd.read_csv(snakemake.input.tasks),
        png_path=Path(snakemake.output.png),
        pdf_path=Path(snakemake.output.pdf),
    )
