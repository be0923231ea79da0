"""The paper's other tables, from whatever this study measured: the multi-purpose summary
(Table 3), training vs inference break-even (Table 5); ours beside the paper is
`powerhungry.analysis.compare`.

Nothing is filled in that was not measured: a model without measurements gets an empty value and
a note, never an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from powerhungry.analysis.aggregate import default_scenario

# A multi-purpose model's description, carried where the cells have it.
DESCRIPTION = ["model_parameters", "architecture_kind"]
ALL_TASKS = "all"


def multi_purpose_summary(cells: pd.DataFrame) -> pd.DataFrame:
    """Table 3: per multi-purpose model, the mean over its datasets (task `all`, the paper's
    number), then per task. Inputs are cell_summary rows (mean over repetitions per cell), of
    the default deployment scenario only (the paper's protocol, where the study's is)."""
    cells = default_scenario(cells)
    mp = cells[cells["model_kind"] == "multi_purpose"]
    carried = {c: (c, "first") for c in DESCRIPTION if c in mp.columns}
    means = {
        "n_datasets": ("dataset", "size"),
        **carried,
        "energy_kwh_per_1k": ("energy_kwh_per_1k_mean", "mean"),
        "emissions_g_per_1k": ("emissions_g_per_1k_mean", "mean"),
    }
    overall = mp.groupby("model").agg(**means).reset_index().assign(task=ALL_TASKS)
    per_task = mp.groupby(["model", "task"]).agg(**means).reset_index()
    table = pd.concat([overall, per_task], ignore_index=True)
    columns = ["model", "task", "n_datasets", *carried, "energy_kwh_per_1k", "emissions_g_per_1k"]
    order = table["task"].ne(ALL_TASKS)  # each model's overall row first
    return (
        table.assign(_order=order)
        .sort_values(["model", "_order", "task"])[columns]
        .reset_index(drop=True)
    )


def break_even(multi_purpose: pd.DataFrame, training: Sequence[dict]) -> pd.DataFrame:
    """Table 5: how many inferences cost as much energy as training plus fine-tuning.

    Training and fine-tuning energies come from the config (the paper quoted them from other
    papers); the inference energy per query is this study's Table 3 value, where it was measured.
    """
    overall = multi_purpose[multi_purpose["task"] == ALL_TASKS].set_index("model")
    rows = []
    for entry in training:
        model = entry["model"]
        upfront = entry["training_kwh"] + entry["finetuning_kwh"]
        measured = model in overall.index
        per_query = overall.at[model, "energy_kwh_per_1k"] / 1000 if measured else math.nan
        rows.append(
            {
                "model": model,
                "training_kwh": entry["training_kwh"],
                "finetuning_kwh": entry["finetuning_kwh"],
                "training_source": entry.get("source", ""),
                "inference_kwh_per_query": per_query,
                "break_even_inferences": math.floor(upfront / per_query) if measured else None,
                "note": "" if measured else "not measured in this study",
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "model",
            "training_kwh",
            "finetuning_kwh",
            "training_source",
            "inference_kwh_per_query",
            "break_even_inferences",
            "note",
        ],
    ).astype({"break_even_inferences": "Int64"})
