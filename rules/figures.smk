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
    conda:
        ENV
    params:
        title=f"{config['study']}: energy per 1,000 inferences",
    script:
        "../scripts/build_explorer.py"
