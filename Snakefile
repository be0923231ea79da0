# Power Hungry Processing (Luccioni, Jernite, Strubell, FAccT 2024), as a Snakemake workflow:
# preflight (every entry checked on the Hub) -> sample datasets -> prepare models -> measure each
# model on each dataset -> tables -> figures.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


report: "report/workflow.rst"


include: "rules/common.smk"
include: "rules/datasets.smk"
include: "rules/models.smk"
include: "rules/measure.smk"
include: "rules/tables.smk"
include: "rules/figures.smk"


# Before the first job, on the submit host: the run's options and the split cells' shards
# recorded (for the commands jobs print, the artifact, the jobs), cells the plan expects not to
# fit the GPU class said, on SLURM a GPU partition named, every entry checked on the Hub, the run
# stopped listing every problem if one cannot be had (skipped by dry runs and by jobs).
onstart:
    record_invocation(sys.argv[1:])
    JOBS.record_layouts()
    warn_about_plan_problems()
    check_gpu_partition([rules.measure_inference, rules.measure_shard])
    preflight_or_stop()
    start_forkserver()


onsuccess:
    warn_about_missing_cells()


# A run with --keep-going ends in error if any job failed: say it there too.
onerror:
    warn_about_missing_cells()


rule all:
    default_target: True
    input:
        rules.plan_study.output,
        rules.aggregate_measurements.output,
        rules.summarize_measurements.output,
        rules.score_quality.output,
        rules.tabulate_lengths.output,
        rules.tabulate_multi_purpose.output,
        rules.tabulate_break_even.output,
        rules.compare_with_paper.output,
        rules.package_tables.output,
        rules.build_explorer.output,
        expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["png", "pdf"]),
