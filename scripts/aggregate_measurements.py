"""Rule aggregate_measurements: all per-cell files -> results/tables/measurements.csv, and the
cells whose model failed -> results/tables/missing_cells.csv."""

from powerhungry.analysis.aggregate import gather_measurements, split_failed
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table, missing = split_failed(gather_measurements(snakemake.input.measurements))
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    write_atomic(snakemake.output.missing, lambda tmp: missing.to_csv(tmp, index=False))
    print(f"{len(table)} rows from {len(snakemake.input.measurements)} cells")
    if len(missing):
        print(f"{len(missing)} cells failed:\n{missing.to_string(index=False)}")
