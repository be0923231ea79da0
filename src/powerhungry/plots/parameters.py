"""Model size against emissions and against quality: the paper's Figure 2 (parameters vs
emissions, by modality) and Figures 4, 7 and 8 (parameters vs text-classification accuracy,
summarization ROUGE-L and extractive-QA F1, dot size = emissions); and, not in the paper,
parameters vs energy per generated token.

Emissions are per 1,000 inferences of the query phase, in g CO2eq; model sizes are the
`model_parameters` the workflow counted from the loaded model; quality scores are on a 0-100
scale, each model's mean over its scored datasets.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from powerhungry.columns import MODEL_KEY
from powerhungry.plots.axes import log_count_axis, log_number_axis, positive
from powerhungry.plots.legends import (
    area_scale,
    group_section,
    legend_beside,
    size_section,
    sized_like_circles,
)
from powerhungry.plots.messages import HOW, lacking_columns, missing
from powerhungry.plots.style import (
    BUBBLE_STYLE,
    EMISSIONS,
    GROUP_STYLE,
    MODALITY,
    MODALITY_COLORS,
    PARAMETERS,
    SCATTER_SIZE,
    format_grams,
    group_of,
    present_groups,
)
from powerhungry.plots.uncertainty import legend_entries, scatter_with_interval
from powerhungry.tasks import task_label

# --- Figure 2: parameters vs emissions by modality ------------------------------------------


def parameters_vs_emissions(model_summary: pd.DataFrame) -> Figure:
    """Figure 2: one dot per model and task, log-log: parameters vs emissions per 1,000
    inferences (g CO2eq, with its 95% interval; hollow if imprecise), coloured by modality,
    marker = task-specific or multi-purpose."""
    title = "Model size vs emissions, by modality"
    needed = [*MODEL_KEY, "model_parameters", "emissions_g_per_1k"]
    if lacking := lacking_columns(title, {"model_summary": (model_summary, needed)}):
        return lacking
    rows = positive(model_summary, ["model_parameters", "emissions_g_per_1k"])
    if rows.empty:
        what = "no model has both a parameter count and emissions above 0"
        return missing(title, what, HOW["model_parameters"])
    rows = rows.assign(modality=rows["task"].map(MODALITY).fillna("other task"))
    figure, axes = plt.subplots(figsize=SCATTER_SIZE, layout="constrained")
    kinds = {"task_specific": ("o", "task-specific"), "multi_purpose": ("s", "multi-purpose")}
    hollow = False
    for modality, color in MODALITY_COLORS.items():
        for kind, (marker, kind_label) in kinds.items():
            points = rows[(rows["modality"] == modality) & (rows["model_kind"] == kind)]
            if not points.empty:
                hollow |= scatter_with_interval(
                    axes,
                    points["model_parameters"],
                    points["emissions_g_per_1k"],
                    points,
                    color=color,
                    marker=marker,
                    alpha=0.75,
                    label=f"{modality}, {kind_label}",
                )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(PARAMETERS)
    axes.set_ylabel(EMISSIONS)
    axes.set_title(f"{title} (one dot per model and task)", fontsize=10)
    axes.grid(which="major", alpha=0.3)
    axes.legend(*legend_entries(axes, hollow), loc="upper left", frameon=False, fontsize=9)
    log_count_axis(axes.xaxis)
    log_number_axis(axes.yaxis)
    return figure


# --- Figures 4, 7, 8: parameters vs quality, dot size = emissions ---------------------------


QualityPlot = tuple[str, tuple[str, ...], str]  # task, metric names accepted, axis label

TEXT_CLASSIFICATION_ACCURACY: QualityPlot = (
    "text_classification",
    ("accuracy",),
    "accuracy (%)",
)
# ROUGE-L F-measure: the longest-common-subsequence score, least tied to n-gram overlap.
SUMMARIZATION_ROUGE: QualityPlot = ("summarization", ("rougeL",), "ROUGE-L F-measure (%)")
# SQuAD token F1 rather than exact match: zero-shot models answer in free text, which exact
# match scores 0 for any extra word, so F1 separates the models where EM floors them all.
QA_F1: QualityPlot = ("extractive_qa", ("f1",), "SQuAD token F1 (%)")


def parameters_vs_quality(
    model_summary: pd.DataFrame, quality: pd.DataFrame, plot: QualityPlot, title: str
) -> Figure:
    """Model size vs a quality metric (mean over the model's scored datasets); dot size =
    emissions per 1,000 inferences; colour = task-specific, seq2seq or decoder-only."""
    task, metrics, metric_label = plot
    models_needed = [*MODEL_KEY, "model_parameters", "emissions_g_per_1k"]
    quality_needed = [*MODEL_KEY, "metric", "value"]
    tables = {"model_summary": (model_summary, models_needed), "quality": (quality, quality_needed)}
    if lacking := lacking_columns(title, tables):
        return lacking
    scores = scores_of(quality, task, metrics)
    if scores.empty:
        what = f"results/tables/quality.csv has no {' or '.join(metrics)} score for {task}"
        return missing(title, what, how_to_score(task))
    rows = positive(
        model_summary.merge(scores, on=list(MODEL_KEY)),
        ["model_parameters", "emissions_g_per_1k"],
    )
    if rows.empty:
        what = f"no scored {task} model has a parameter count and emissions"
        return missing(title, what, HOW["model_parameters"])
    return quality_scatter(rows.assign(group=group_of(rows)), metric_label, title)


def scores_of(quality: pd.DataFrame, task: str, metrics: Sequence[str]) -> pd.DataFrame:
    """One score per model: the mean over its datasets, on a 0-100 scale."""
    rows = quality[(quality["task"] == task) & quality["metric"].isin(metrics)]
    rows = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce")).dropna(subset=["value"])
    scores = rows.groupby(list(MODEL_KEY), as_index=False)["value"].mean()
    return scores.assign(score=scores["value"] * 100).drop(columns="value")


def how_to_score(task: str) -> str:
    """How to get quality scores for `task`, for its message figure."""
    return (
        f"give the {task_label(task)} datasets their reference field in the config "
        "(fields: label, answers or summary) and rerun rule score_quality"
    )


def quality_scatter(rows: pd.DataFrame, metric_label: str, title: str) -> Figure:
    """Scored models (`rows`, with their group): parameters vs score (0-100), dot area =
    emissions per 1,000 inferences (g CO2eq)."""
    figure, axes = plt.subplots(figsize=SCATTER_SIZE, layout="constrained")
    area = area_scale(rows["emissions_g_per_1k"])
    groups = present_groups(rows["group"])
    for group in groups:
        points = rows[rows["group"] == group]
        axes.scatter(
            points["model_parameters"],
            points["score"],
            s=sized_like_circles(area(points["emissions_g_per_1k"]), group),
            **BUBBLE_STYLE,
            **GROUP_STYLE[group],
        )
    axes.set_xscale("log")
    axes.set_ylim(-4, 104)  # the metric's whole 0-100 range, so models compare at a glance
    axes.set_xlabel(PARAMETERS)
    axes.set_ylabel(f"{metric_label}, mean over datasets")
    axes.set_title(title, fontsize=10)
    axes.grid(which="major", alpha=0.3)
    log_count_axis(axes.xaxis)
    heading = "dot size: emissions\n(g CO$_2$eq / 1,000 inferences)"
    sizes = size_section(rows["emissions_g_per_1k"], area, format_grams, heading)
    legend_beside(axes, [group_section(groups), sizes])
    return figure


def parameters_vs_text_classification_accuracy(
    model_summary: pd.DataFrame, quality: pd.DataFrame
) -> Figure:
    """Figure 4: text classification, model size vs accuracy (%, mean over datasets); dot
    size = emissions per 1,000 inferences (g CO2eq)."""
    title = "Text classification: model size vs accuracy"
    return parameters_vs_quality(model_summary, quality, TEXT_CLASSIFICATION_ACCURACY, title)


def parameters_vs_summarization_rouge(model_summary: pd.DataFrame, quality: pd.DataFrame) -> Figure:
    """Figure 7: summarization, model size vs ROUGE-L F-measure (%, mean over datasets);
    dot size = emissions per 1,000 inferences (g CO2eq)."""
    title = "Summarization: model size vs ROUGE-L"
    return parameters_vs_quality(model_summary, quality, SUMMARIZATION_ROUGE, title)


def parameters_vs_qa_f1(model_summary: pd.DataFrame, quality: pd.DataFrame) -> Figure:
    """Figure 8: extractive QA, model size vs SQuAD token F1 (%, mean over datasets); dot
    size = emissions per 1,000 inferences (g CO2eq)."""
    title = "Extractive QA: model size vs F1"
    return parameters_vs_quality(model_summary, quality, QA_F1, title)


# --- Not in the paper: energy per generated token vs model size -----------------------------


def parameters_vs_energy_per_output_token(model_summary: pd.DataFrame) -> Figure:
    """One dot per model and task whose model generates text (text generation, summarization,
    captioning, every multi-purpose model), log-log: parameters vs query energy per 1,000
    generated tokens (kWh, with its 95% interval; hollow if imprecise); colour = task, marker =
    task-specific or multi-purpose."""
    title = "Model size vs energy per generated token"
    needed = [*MODEL_KEY, "model_parameters", "energy_kwh_per_1k_output_tokens"]
    if lacking := lacking_columns(title, {"model_summary": (model_summary, needed)}):
        return lacking
    rows = positive(model_summary, ["model_parameters", "energy_kwh_per_1k_output_tokens"])
    if rows.empty:
        what = "no model that generates text has a parameter count and generated tokens"
        how = "measure a text-generating model (text generation, summarization, captioning or "
        return missing(title, what, how + "a multi-purpose model) and rerun the workflow")
    figure, axes = plt.subplots(figsize=SCATTER_SIZE, layout="constrained")
    kinds = {"task_specific": "o", "multi_purpose": "s"}
    tasks = list(dict.fromkeys(rows["task"]))
    colors = dict(zip(tasks, plt.get_cmap("tab10").colors, strict=False))
    hollow = False
    for (task, kind), points in rows.groupby(["task", "model_kind"], sort=False):
        hollow |= scatter_with_interval(
            axes,
            points["model_parameters"],
            points["energy_kwh_per_1k_output_tokens"],
            points,
            color=colors[task],
            marker=kinds.get(kind, "o"),
            alpha=0.75,
            label=f"{task_label(task)}, {kind.replace('_', '-')}",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel(PARAMETERS)
    axes.set_ylabel("kWh per 1,000 generated tokens (query)")
    axes.set_title(f"{title} (one dot per model and task)", fontsize=10)
    axes.grid(which="major", alpha=0.3)
    log_count_axis(axes.xaxis)
    log_number_axis(axes.yaxis)
    axes.legend(*legend_entries(axes, hollow), fontsize=7, loc="best")
    return figure
