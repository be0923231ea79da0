"""Rule measure_shard: one shard of a cell too long for one job (its repetitions and samples in
params.shard), load and query (`powerhungry.measure.job.measure_here`, in a child of the run's
fork server where one serves this job; else here)."""

from powerhungry.forkserver import run_job
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    run_job("powerhungry.measure.job:measure_here", snakemake, snakemake.params.shard)
