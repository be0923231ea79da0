"""Rule measure_inference: energy of one model on one dataset, R repetitions, load and query."""

from powerhungry.logs import log_to
from powerhungry.measure.job import run_measurement_job

with log_to(snakemake.log[0]):
    run_measurement_job(snakemake)
