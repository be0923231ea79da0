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
    log:
        "logs/aggregate_measurements.log",
    conda:
        ENV
    script:
        "../scripts/aggregate_measurements.py"


rule summarize_measurements:
    input:
        table="results/tables/measurements.csv",
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
    conda:
        ENV
    params:
        cells=cell_files(),
        table="lengths",
    script:
        "../scripts/tabulate_cells.py"
