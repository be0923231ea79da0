"""Which tables each of the paper's figures is drawn from (results/tables/<table>.csv).

Apart from the drawing code so that the workflow can plan its figure rules without importing
matplotlib (half of the time Snakemake takes to plan the full study).
"""

FIGURE_INPUTS: dict[str, list[str]] = {
    "parameters_vs_emissions": ["model_summary"],
    "zero_shot_dataset_emissions": ["cell_summary"],
    "parameters_vs_text_classification_accuracy": ["model_summary", "quality"],
    "multi_purpose_emissions_by_task": ["model_summary"],
    "summarization_length_vs_emissions": ["cell_summary", "lengths"],
    "parameters_vs_summarization_rouge": ["model_summary", "quality"],
    "parameters_vs_qa_f1": ["model_summary", "quality"],
    "ours_vs_paper": ["comparison"],
}
