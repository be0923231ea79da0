"""Rule prepare_model: download a pinned revision, check a local path, or build a tiny model."""

from powerhungry.logs import log_to
from powerhungry.models.prepare import run_prepare_job

with log_to(snakemake.log[0]):
    run_prepare_job(snakemake)
