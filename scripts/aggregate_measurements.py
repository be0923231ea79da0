"""Rule aggregate_measurements: all per-cell files -> results/tables/measurements.csv."""

from powerhungry.analysis.aggregate import gather_measurements
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table = gather_measurements(snakemake.input.measurements)
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(f"{len(table)} rows from {len(snakemake.input.measurements)} cells")
