"""Rule aggregate_measurements: all per-cell files -> results/tables/measurements.csv."""

import pandas as pd

from powerhungry.analysis.aggregate import gather_measurements
from powerhungry.files import write_atomic
from powerhungry.logs import log_to
from powerhungry.measure.idle import subtract_idle

with log_to(snakemake.log[0]):
    table = subtract_idle(
        gather_measurements(snakemake.input.measurements),
        pd.read_csv(snakemake.input.idle_power, keep_default_na=False),
    )
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(f"{len(table)} rows from {len(snakemake.input.measurements)} cells")
