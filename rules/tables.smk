rule aggregate_measurements:
    input:
        measurements=measurement_tables(),
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
    log:
        "logs/summarize_measurements.log",
    conda:
        ENV
    script:
        "../scripts/summarize_measurements.py"
