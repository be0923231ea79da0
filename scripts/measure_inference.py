"""Rule measure_inference: energy of one model on one dataset, R repetitions, load and query
(`powerhungry.measure.job.measure_here`, in a child of the run's fork server where one serves
this job, which the first measurement job sets up; else here)."""

from powerhungry.forkserver import run_job
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    run_job("powerhungry.measure.job:measure_here", snakemake)
