"""Message figures: a figure whose input is absent (an empty table, a column the table predates,
no multi-purpose models in the study, no quality scores) is drawn as a message naming what is
missing and how to get it, never as a crash or a blank axis."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.plots.style import SCATTER_SIZE

MISSING_LABEL = "missing input"  # Figure label of a message figure, for the rule's log
MESSAGE_GID = "missing-input-message"  # the gid of its message

HOW = {  # how to get a column that a table predates
    "model_parameters": "parameter counts are recorded when a model is measured: rerun the "
    "measurements and summary tables with the current workflow",
    "architecture_kind": "the architecture kind is recorded when a model is measured: rerun "
    "the measurements and summary tables with the current workflow",
    "emissions_g_per_1k_mean": "rerun rule summarize_measurements with the current workflow",
}
RERUN_TABLE = "rerun the rule that writes this table with the current workflow"
TABLE_HOW = {  # what writes each table, for a table that is empty or predates a column
    "model_summary": "rerun rule summarize_measurements with the current workflow",
    "task_summary": "rerun rule summarize_measurements with the current workflow",
    "cell_summary": "rerun rule summarize_measurements with the current workflow",
    "quality": "give the datasets their reference fields in the config (fields: label, answers "
    "or summary) and rerun rule score_quality",
    "lengths": "rerun rule tabulate_lengths with the current workflow",
    "comparison": "rerun the rule that writes results/tables/comparison.csv (our values beside "
    "resources/reference/paper)",
    "comparison_setup": "rerun rule compare_with_paper with the current workflow",
    "scenario_summary": "rerun rule summarize_measurements with the current workflow",
}
DECLARE_SCENARIOS = (
    "declare deployment scenarios (batch_size, dtype, attention) in the study config's "
    "`scenarios` and rerun the workflow; config/deployment.yaml declares batch sizes 1, 8 and 32 "
    "in float32 and bfloat16 (snakemake --configfile config/config.yaml config/deployment.yaml)"
)
ADD_MULTI_PURPOSE = (
    "add multi-purpose models (kind: multi_purpose, with their tasks) to the study config's "
    "models and rerun the workflow"
)


def missing(figure_title: str, what: str, how: str) -> Figure:
    """A figure that says what is missing and how to get it, in place of an empty plot."""
    figure = plt.figure(figsize=SCATTER_SIZE, label=MISSING_LABEL)
    figure.suptitle(figure_title, fontsize=11, fontweight="bold")
    message = f"Not drawn: {what}.\n\nTo draw it: {how}."
    # Wrapped here rather than by matplotlib, whose wrapping ignores a saved figure's size.
    paragraphs = [textwrap.fill(p, width=70) for p in message.split("\n\n")]
    figure.text(
        0.5, 0.5, "\n\n".join(paragraphs), ha="center", va="center", fontsize=10.5, gid=MESSAGE_GID
    )
    return figure


def message_of(figure: Figure) -> str:
    """What a message figure (`missing`) says, on one line; "" for a drawn figure."""
    said = [t.get_text() for t in figure.texts if t.get_gid() == MESSAGE_GID]
    return " ".join(said).replace("\n", " ")


def lacking_columns(
    title: str, tables: Mapping[str, tuple[pd.DataFrame, Sequence[str]]]
) -> Figure | None:
    """The message figure for the first table that is empty or lacks a column the figure
    needs (a table written before the column existed), else None."""
    for name, (table, columns) in tables.items():
        path, how = f"results/tables/{name}.csv", TABLE_HOW.get(name, RERUN_TABLE)
        if table.columns.empty:
            return missing(title, f"{path} is empty", how)
        lacking = [c for c in columns if c not in table.columns]
        if lacking:
            return missing(
                title, f"{path} has no column {', '.join(lacking)}", HOW.get(lacking[0], how)
            )
    return None
