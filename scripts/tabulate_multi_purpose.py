"""Rule tabulate_multi_purpose: `powerhungry.analysis.jobs.tabulate_multi_purpose`,
in a child of the run's fork server where one serves this job (`powerhungry.forkserver`),
else here."""

from powerhungry.forkserver import run_job
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    run_job("powerhungry.analysis.jobs:tabulate_multi_purpose", snakemake, sets_up=False)
