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
        "results/tables/measurements.csv",
        "results/tables/task_summary.csv",
        "results/tables/model_summary.csv",
        "results/tables/cell_summary.csv",
        "results/tables/quality.csv",
        "results/tables/lengths.csv",
        "results/tables/multi_purpose.csv",
        "results/tables/break_even.csv",
        "results/tables/comparison.csv",
        "results/explorer.html",
        expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["png", "pdf"]),
