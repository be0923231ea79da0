"""Rule plan_study: each cell's estimated GPU time, GPU energy, memory and download ->
results/tables/plan.csv; the per-task totals in the log."""

from pathlib import Path

from powerhungry.logs import log_to
from powerhungry.plan import plan_settings
from powerhungry.plan.estimate import summary, write_plan
from powerhungry.plan.jobs import JobPlan
from powerhungry.study import load_study
from powerhungry.tasks import RUNNABLE_TASKS

with log_to(snakemake.log[0]):
    config = snakemake.params.config
    settings = plan_settings(config)
    study = load_study(config, RUNNABLE_TASKS)
    # The jobs' estimates before measuring (whatever this run measured already): `powerhungry
    # plan` refines them with the cells' own rows.
    rows = JobPlan(study, settings).rows(own_rows=False)
    write_plan(rows, Path(snakemake.output.table))
    print(summary(rows, settings, study.scenarios))
