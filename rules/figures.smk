rule plot_energy_per_task:
    input:
        models="results/tables/model_summary.csv",
        tasks="results/tables/task_summary.csv",
    output:
        png=report(
            "results/figures/energy_per_task.png",
            caption="../report/energy_per_task.rst",
            category="Figures",
        ),
        pdf="results/figures/energy_per_task.pdf",
    log:
        "logs/plot_energy_per_task.log",
    localrule: True
    conda:
        ENV
    script:
        "../scripts/plot_energy_per_task.py"


rule build_explorer:
    input:
        cells="results/tables/cell_summary.csv",
        quality="results/tables/quality.csv",
        comparison="results/tables/comparison.csv",
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
    script:
        "../scripts/build_explorer.py"


# The paper's Figures 2-8 and ours-vs-paper: one rule each, from the tables each one draws on.
for figure, tables in PAPER_FIGURES.items():

    rule:
        name:
            f"plot_{figure}"
        input:
            **{table: f"results/tables/{table}.csv" for table in tables},
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
