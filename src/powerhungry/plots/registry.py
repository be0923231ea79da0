"""Every figure the workflow draws, and the tables each one is drawn from: the one registry of
figures. Rule plot_<name> writes results/figures/<name>.png and .pdf from
results/tables/<table>.csv for each of its tables, and report/figures/<name>.rst captions it.

Plain data, apart from the drawing code: the workflow plans its figure rules from it without
importing matplotlib (half of the time Snakemake takes to plan the full study). A figure's
function is named as "module:function" under `powerhungry.plots` and imported only when the
figure is drawn (`powerhungry.plots.drawing.draw`); its keyword arguments are the table names.
"""

from __future__ import annotations

from typing import NamedTuple


class FigureSpec(NamedTuple):
    """A figure: the "module:function" under `powerhungry.plots` that draws it, the tables
    (stems under results/tables/, the function's keyword arguments) it is drawn from, and
    whether it compares deployment scenarios (`all_scenarios`); the others, the paper's
    figures, are drawn from the default scenario's rows (the protocol's own settings)."""

    function: str
    tables: tuple[str, ...]
    all_scenarios: bool = False


# Figure name (the output file stem under results/figures/) -> what draws it, from which tables.
FIGURES: dict[str, FigureSpec] = {
    "energy_per_task": FigureSpec(  # Figure 1
        "energy_per_task:energy_per_task", ("model_summary", "task_summary")
    ),
    "parameters_vs_emissions": FigureSpec(  # Figure 2
        "parameters:parameters_vs_emissions", ("model_summary",)
    ),
    "zero_shot_dataset_emissions": FigureSpec(  # Figure 3
        "zero_shot:zero_shot_dataset_emissions", ("cell_summary",)
    ),
    "parameters_vs_text_classification_accuracy": FigureSpec(  # Figure 4
        "parameters:parameters_vs_text_classification_accuracy", ("model_summary", "quality")
    ),
    "multi_purpose_emissions_by_task": FigureSpec(  # Figure 5
        "zero_shot:multi_purpose_emissions_by_task", ("model_summary",)
    ),
    "summarization_length_vs_emissions": FigureSpec(  # Figure 6
        "lengths:summarization_length_vs_emissions", ("cell_summary", "lengths")
    ),
    "parameters_vs_summarization_rouge": FigureSpec(  # Figure 7
        "parameters:parameters_vs_summarization_rouge", ("model_summary", "quality")
    ),
    "parameters_vs_qa_f1": FigureSpec(  # Figure 8
        "parameters:parameters_vs_qa_f1", ("model_summary", "quality")
    ),
    "parameters_vs_energy_per_output_token": FigureSpec(  # not in the paper
        "parameters:parameters_vs_energy_per_output_token", ("model_summary",)
    ),
    "above_idle_per_task": FigureSpec(  # not in the paper
        "above_idle:above_idle_per_task", ("cell_summary",)
    ),
    "ours_vs_paper": FigureSpec(  # not in the paper: this run beside the paper's values
        "comparison:ours_vs_paper", ("comparison", "comparison_setup")
    ),
    # Not in the paper: the deployment scenarios compared (issue 16).
    "energy_vs_batch_size": FigureSpec(
        "scenarios:energy_vs_batch_size", ("scenario_summary",), all_scenarios=True
    ),
    "latency_energy_tradeoff": FigureSpec(
        "scenarios:latency_energy_tradeoff", ("scenario_summary",), all_scenarios=True
    ),
    "precision_at_batch_size_1": FigureSpec(
        "scenarios:precision_at_batch_size_1", ("scenario_summary",), all_scenarios=True
    ),
}
