# Tables and figures are seconds of pandas and matplotlib: they run where Snakemake runs
# (localrule), never queued on a cluster, and ask for no GPU.
rule aggregate_measurements:
    input:
        measurements=measurement_tables(),
        idle_power="results/tables/idle_power.csv",
    output:
        table=report(
            "results/tables/measurements.csv",
            caption="../report/measurements.rst",
            category="Tables",
        ),
        missing=report(
            "results/tables/missing_cells.csv",
            caption="../report/missing_cells.rst",
            category="Tables",
        ),
    log:
        "logs/aggregate_measurements.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/aggregate_measurements.py"


rule summarize_measurements:
    input:
        table="results/tables/measurements.csv",
        missing="results/tables/missing_cells.csv",
    output:
        task_summary=report(
            "results/tables/task_summary.csv",
            caption="../report/task_summary.rst",
            category="Tables",
        ),
        model_summary=report(
            "results/tables/model_summary.csv",
            caption="../report/model_summary.rst",
            category="Tables",
        ),
        cell_summary=report(
            "results/tables/cell_summary.csv",
            caption="../report/cell_summary.rst",
            category="Tables",
        ),
    log:
        "logs/summarize_measurements.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/summarize_measurements.py"


rule score_quality:
    input:
        cell_inputs,
    output:
        table=report(
            "results/tables/quality.csv",
            caption="../report/quality.rst",
            category="Tables",
        ),
    log:
        "logs/score_quality.log",
    localrule: True
    conda:
        ENV
    params:
        cells=cell_files(),
        table="quality",
    script:
        "../scripts/tabulate_cells.py"


rule tabulate_lengths:
    input:
        cell_inputs,
    output:
        table=report(
            "results/tables/lengths.csv",
            caption="../report/lengths.rst",
            category="Tables",
        ),
    log:
        "logs/tabulate_lengths.log",
    localrule: True
    conda:
        ENV
    params:
        cells=cell_files(),
        table="lengths",
    script:
        "../scripts/tabulate_cells.py"


rule tabulate_multi_purpose:
    input:
        cells="results/tables/cell_summary.csv",
    output:
        table=report(
            "results/tables/multi_purpose.csv",
            caption="../report/multi_purpose.rst",
            category="Tables",
        ),
    log:
        "logs/tabulate_multi_purpose.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/paper_tables.py"


rule tabulate_break_even:
    input:
        multi_purpose="results/tables/multi_purpose.csv",
    output:
        table=report(
            "results/tables/break_even.csv",
            caption="../report/break_even.rst",
            category="Tables",
        ),
    log:
        "logs/tabulate_break_even.log",
    localrule: True
    conda:
        ENV
    params:
        training=config["training_energy"],
    script:
        "../scripts/paper_tables.py"


rule compare_with_paper:
    input:
        tasks="results/tables/task_summary.csv",
        models="results/tables/model_summary.csv",
        paper="resources/reference/paper/measurements.csv.gz",
    output:
        table=report(
            "results/tables/comparison.csv",
            caption="../report/comparison.rst",
            category="Tables",
        ),
    log:
        "logs/compare_with_paper.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/paper_tables.py"
