"""Rules plot_<figure>: `powerhungry.plots.job.plot_figure`,
in a child of the run's fork server where one serves this job (`powerhungry.forkserver`),
else here."""

from powerhungry.forkserver import run_job
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    run_job("powerhungry.plots.job:plot_figure", snakemake, sets_up=False)
