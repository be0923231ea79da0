"""Rule tabulate_break_even: `powerhungry.analysis.jobs.tabulate_break_even`,
in a child of the run's fork server where one serves this job (`powerhungry.forkserver`),
else here."""

from powerhungry.forkserver import run_job
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    run_job("powerhungry.analysis.jobs:tabulate_break_even", snakemake, sets_up=False)
