"""Rule measure_shard: one shard of a cell too long for one job (its repetitions and samples in
params.shard), load and query."""

from powerhungry.logs import log_to
from powerhungry.measure.job import run_measurement_job

with log_to(snakemake.log[0]):
    run_measurement_job(snakemake, snakemake.params.shard)
