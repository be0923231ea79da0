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
