"""What every figure shares: resolution and sizes, axis labels, the colours and markers of model
groups, tasks and modalities, and how names and quantities are written on a figure.

Task names, their order and their modality come from the task registry (`powerhungry.tasks`).
"""

from __future__ import annotations

import re

import pandas as pd
from matplotlib import colormaps

from powerhungry.tasks import IMAGE_GENERATION, IMAGE_INPUT, TASKS, TEXT_INPUT

DPI = 150
SCATTER_SIZE = (7.5, 5.0)  # inches; PNG pixels are inches x DPI
WIDE_SIZE = (10.0, 5.0)
# Dots whose size carries a quantity: translucent with a white rim, so overlaps stay readable.
BUBBLE_STYLE = {"alpha": 0.6, "edgecolors": "white", "linewidths": 0.5}

EMISSIONS = "emissions per 1,000 inferences (g CO$_2$eq, log scale)"
ENERGY = "energy per 1,000 inferences (kWh, log scale)"
PARAMETERS = "model parameters (counted from the loaded model, log scale)"

# Figure 1 tells the two kinds of model apart (its colours are those of GROUP_STYLE's first two).
KIND_STYLE = {
    "task_specific": {"color": "tab:blue", "marker": "o", "label": "task-specific models"},
    "multi_purpose": {"color": "tab:orange", "marker": "s", "label": "multi-purpose models"},
}

# The other figures split multi-purpose models by architecture.
TASK_SPECIFIC = "task-specific"
SEQ2SEQ = "multi-purpose, seq2seq"
DECODER_ONLY = "multi-purpose, decoder-only"
OTHER_MULTI_PURPOSE = "multi-purpose, other architecture"
GROUP_STYLE = {  # task-specific and multi-purpose colours as in KIND_STYLE (Figure 1)
    TASK_SPECIFIC: {"color": "tab:blue", "marker": "o"},
    SEQ2SEQ: {"color": "tab:orange", "marker": "s"},
    DECODER_ONLY: {"color": "tab:green", "marker": "D"},
    OTHER_MULTI_PURPOSE: {"color": "tab:purple", "marker": "^"},
}
ARCHITECTURE_GROUP = {"seq2seq": SEQ2SEQ, "decoder_only": DECODER_ONLY}

TASK_ORDER = list(TASKS)
TASK_COLORS = dict(zip(TASK_ORDER, colormaps["tab10"].colors, strict=True))
MODALITY = {name: task.modality for name, task in TASKS.items()}
MODALITY_COLORS = {
    TEXT_INPUT: "tab:blue",
    IMAGE_INPUT: "tab:red",
    IMAGE_GENERATION: "tab:purple",
    "other task": "tab:gray",
}


def group_of(rows: pd.DataFrame) -> pd.Series:
    """Task-specific, or the multi-purpose model's architecture where the table records it."""
    if "architecture_kind" in rows.columns:
        architecture = rows["architecture_kind"].astype(object)
    else:
        architecture = pd.Series(None, index=rows.index, dtype=object)
    multi_purpose = architecture.map(ARCHITECTURE_GROUP).fillna(OTHER_MULTI_PURPOSE)
    return multi_purpose.where(rows["model_kind"] == "multi_purpose", TASK_SPECIFIC)


def present_groups(groups: pd.Series) -> list[str]:
    """The groups among `groups`, in GROUP_STYLE's order (legends list them so)."""
    return [g for g in GROUP_STYLE if g in set(groups)]


def short_model(model: str) -> str:
    """A model id without its organisation ("google/flan-t5-xl" -> "flan-t5-xl")."""
    return model.rsplit("/", 1)[-1]


def wrap_name(name: str, width: int = 9) -> str:
    """A long dataset name broken after its separators (rotten_/tomatoes), so neighbouring
    names on a crowded axis stay apart without turning them sideways."""
    parts = re.split(r"(?<=[_/-])", name)
    lines = [""]
    for part in parts:
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append("")
        lines[-1] += part
    return "\n".join(lines)


def format_count(count: float) -> str:
    """A parameter count as 10M, 1.5B."""
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= factor:
            return f"{count / factor:.3g}{suffix}"
    return f"{count:.3g}"


def format_grams(grams: float) -> str:
    """Emissions in grams of CO2eq, two significant digits."""
    return f"{grams:.2g} g"
