"""Rule summarize_measurements: per-task, per-model and per-cell energy per 1,000 inferences,
latency, and energy per unit of work (tokens, images, diffusion steps: from lengths.csv); and
the deployment scenarios compared (powerhungry.analysis.deployment)."""

import pandas as pd

from powerhungry.analysis.deployment import scenario_summary
from powerhungry.analysis.summary import summarize
from powerhungry.files import read_table, write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    measurements = pd.read_csv(snakemake.input.table)
    missing = pd.read_csv(snakemake.input.missing)
    lengths = read_table(snakemake.input.lengths)  # empty where every cell failed
    tables = summarize(
        measurements,
        missing=missing,
        lengths=lengths,
        max_relative_halfwidth=snakemake.params.max_relative_halfwidth,
    )
    tables["scenario_summary"] = scenario_summary(
        measurements, missing, lengths, snakemake.params.max_relative_halfwidth
    )
    for name, table in tables.items():
        write_atomic(snakemake.output[name], lambda tmp, t=table: t.to_csv(tmp, index=False))
    print(tables["task_summary"].to_string(index=False))
