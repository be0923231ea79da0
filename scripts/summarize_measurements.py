"""Rule summarize_measurements: per-task, per-model and per-cell energy per 1,000 inferences,
latency, and energy per unit of work (tokens, images, diffusion steps: from lengths.csv)."""

import pandas as pd

from powerhungry.analysis.summary import summarize
from powerhungry.files import read_table, write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    tables = summarize(
        pd.read_csv(snakemake.input.table),
        missing=pd.read_csv(snakemake.input.missing),
        lengths=read_table(snakemake.input.lengths),  # empty where every cell failed
        max_relative_halfwidth=snakemake.params.max_relative_halfwidth,
    )
    for name, table in tables.items():
        write_atomic(snakemake.output[name], lambda tmp, t=table: t.to_csv(tmp, index=False))
    print(tables["task_summary"].to_string(index=False))
