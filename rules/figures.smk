rule build_explorer:
    input:
        cells=rules.summarize_measurements.output.cell_summary,
        quality=rules.score_quality.output.table,
        comparison=rules.compare_with_paper.output.table,
        setup=rules.compare_with_paper.output.setup,
        measurements=rules.aggregate_measurements.output.table,
    output:
        html=report(
            "results/explorer.html",
            caption="../report/explorer.rst",
            category="Explorer",
        ),
    log:
        "logs/build_explorer.log",
    localrule: True
    conda:
        ENV
    params:
        title=f"{config['study']}: energy per 1,000 inferences",
        max_relative_halfwidth=config["summary"]["max_relative_halfwidth"],
    script:
        "../scripts/build_explorer.py"


# Every figure of the registry (the paper's Figures 1-8, ours vs the paper, the deployment
# scenarios compared): one rule each, from the tables each one draws on, captioned by
# report/figures/<figure>.rst.
for figure, spec in FIGURES.items():

    rule:
        name:
            f"plot_{figure}"
        input:
            **{table: f"results/tables/{table}.csv" for table in spec.tables},
        output:
            png=report(
                f"results/figures/{figure}.png",
                caption=f"../report/figures/{figure}.rst",
                category="Figures",
            ),
            pdf=f"results/figures/{figure}.pdf",
        log:
            f"logs/plot_{figure}.log",
        localrule: True
        conda:
            ENV
        params:
            figure=figure,
        script:
            "../scripts/plot_figure.py"
