# Power Hungry Processing (Luccioni, Jernite, Strubell, FAccT 2024), as a Snakemake workflow:
# sample datasets -> prepare models -> measure each model on each dataset -> tables -> figures.
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


onsuccess:
    warn_about_missing_cells()


rule all:
    default_target: True
    input:
        rules.aggregate_measurements.output,
        rules.summarize_measurements.output,
        rules.score_quality.output,
        rules.tabulate_lengths.output,
        rules.tabulate_multi_purpose.output,
        rules.tabulate_break_even.output,
        rules.compare_with_paper.output,
        rules.build_explorer.output,
        expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["png", "pdf"]),
