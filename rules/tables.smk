# Tables and figures are seconds of pandas and matplotlib: they run where Snakemake runs
# (localrule), never queued on a cluster, and ask for no GPU.
rule aggregate_measurements:
    input:
        measurements=measurement_tables(),
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
    script:
        "../scripts/tabulate_lengths.py"


rule summarize_measurements:
    input:
        table=rules.aggregate_measurements.output.table,
        missing=rules.aggregate_measurements.output.missing,
        lengths=rules.tabulate_lengths.output.table,
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
        scenario_summary=report(
            "results/tables/scenario_summary.csv",
            caption="../report/scenario_summary.rst",
            category="Tables",
        ),
    log:
        "logs/summarize_measurements.log",
    localrule: True
    conda:
        ENV
    params:
        max_relative_halfwidth=config["summary"]["max_relative_halfwidth"],
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
    script:
        "../scripts/score_quality.py"


rule tabulate_multi_purpose:
    input:
        cells=rules.summarize_measurements.output.cell_summary,
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
        "../scripts/tabulate_multi_purpose.py"


rule tabulate_break_even:
    input:
        multi_purpose=rules.tabulate_multi_purpose.output.table,
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
        "../scripts/tabulate_break_even.py"


rule compare_with_paper:
    input:
        measurements=rules.aggregate_measurements.output.table,
        paper="resources/reference/paper/measurements.csv.gz",
    output:
        table=report(
            "results/tables/comparison.csv",
            caption="../report/comparison.rst",
            category="Tables",
        ),
        setup=report(
            "results/tables/comparison_setup.csv",
            caption="../report/comparison_setup.rst",
            category="Tables",
        ),
    log:
        "logs/compare_with_paper.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/compare_with_paper.py"


# What each cell costs on the planned GPU class (`powerhungry plan` prints the same): made once
# the models are prepared (their weights size those the paper did not log), from the whole
# config, so any change to it remakes the table; cells measured by then are planned from that.
rule plan_study:
    input:
        paper="resources/reference/paper/measurements.csv.gz",
        paper_models="resources/reference/paper/models.csv",
        models=expand(rules.prepare_model.output.manifest, model=MODEL_SLUGS),
    output:
        table=report(
            "results/tables/plan.csv",
            caption="../report/plan.rst",
            category="Tables",
        ),
    log:
        "logs/plan_study.log",
    localrule: True
    conda:
        ENV
    params:
        config=canonical(config),
    script:
        "../scripts/plan_study.py"


# Every table above, by name (results/tables/<name>.csv): package_tables describes them all and
# copies each to parquet. A new table is one more entry here, and its columns' in
# src/powerhungry/table_schema.py (the rule stops, naming any column described nowhere).
RESULT_TABLES = {
    "measurements": rules.aggregate_measurements.output.table,
    "missing_cells": rules.aggregate_measurements.output.missing,
    "lengths": rules.tabulate_lengths.output.table,
    "task_summary": rules.summarize_measurements.output.task_summary,
    "model_summary": rules.summarize_measurements.output.model_summary,
    "cell_summary": rules.summarize_measurements.output.cell_summary,
    "scenario_summary": rules.summarize_measurements.output.scenario_summary,
    "quality": rules.score_quality.output.table,
    "multi_purpose": rules.tabulate_multi_purpose.output.table,
    "break_even": rules.tabulate_break_even.output.table,
    "comparison": rules.compare_with_paper.output.table,
    "comparison_setup": rules.compare_with_paper.output.setup,
    "plan": rules.plan_study.output.table,
}


# The tables in open formats: a Frictionless Data Package describing the CSVs (types, units,
# descriptions, primary keys), and parquet copies with the same types.
rule package_tables:
    input:
        **RESULT_TABLES,
    output:
        datapackage=report(
            "results/datapackage.json",
            caption="../report/datapackage.rst",
            category="Tables",
        ),
        parquet=expand("results/tables/{table}.parquet", table=RESULT_TABLES),
    log:
        "logs/package_tables.log",
    localrule: True
    conda:
        ENV
    params:
        title=f"{config['study']}: results tables",
    script:
        "../scripts/package_tables.py"
