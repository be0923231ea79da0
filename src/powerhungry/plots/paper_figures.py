"""The paper's Figures 2-8, and ours vs the paper, each drawn from the workflow's tables.

Every figure is a function of the tables it needs (`FIGURES` names them) that returns a
`matplotlib.figure.Figure`; `save` writes it as PNG and PDF. A figure whose input is absent (a
column the table predates, no multi-purpose models in the study, no quality scores) is drawn as
a message naming what is missing and how to get it (`missing`), never as a crash or a blank axis.

Emissions and energy are per 1,000 inferences of the query phase. Model sizes are the
`model_parameters` the workflow counted from the loaded model. Multi-purpose models are split into
seq2seq and decoder-only by the `architecture_kind` the workflow recorded, not by their names.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.markers import MarkerStyle
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from powerhungry.columns import CELL_KEY, MODEL_KEY
from powerhungry.files import atomic_path
from powerhungry.plots.figure_inputs import FIGURE_INPUTS
from powerhungry.tasks import (
    IMAGE_GENERATION,
    IMAGE_INPUT,
    TASKS,
    TEXT_INPUT,
    ordered_tasks,
    task_label,
)

DPI = 150
SCATTER_SIZE = (7.5, 5.0)  # inches; PNG pixels are inches x DPI
WIDE_SIZE = (10.0, 5.0)
# Dots whose size carries a quantity: translucent with a white rim, so overlaps stay readable.
BUBBLE_STYLE = {"alpha": 0.6, "edgecolors": "white", "linewidths": 0.5}
MISSING_LABEL = "missing input"  # Figure label of a message figure, for the rule's log

EMISSIONS = "emissions per 1,000 inferences (g CO$_2$eq, log scale)"
PARAMETERS = "model parameters (counted from the loaded model, log scale)"

TASK_SPECIFIC = "task-specific"
SEQ2SEQ = "multi-purpose, seq2seq"
DECODER_ONLY = "multi-purpose, decoder-only"
OTHER_MULTI_PURPOSE = "multi-purpose, other architecture"
GROUP_STYLE = {  # task-specific and multi-purpose colours as in energy_per_task (Figure 1)
    TASK_SPECIFIC: {"color": "tab:blue", "marker": "o"},
    SEQ2SEQ: {"color": "tab:orange", "marker": "s"},
    DECODER_ONLY: {"color": "tab:green", "marker": "D"},
    OTHER_MULTI_PURPOSE: {"color": "tab:purple", "marker": "^"},
}
ARCHITECTURE_GROUP = {"seq2seq": SEQ2SEQ, "decoder_only": DECODER_ONLY}

TASK_ORDER = list(TASKS)
TASK_COLORS = dict(zip(TASK_ORDER, plt.get_cmap("tab10").colors, strict=True))
MODALITY = {name: task.modality for name, task in TASKS.items()}
MODALITY_COLORS = {
    TEXT_INPUT: "tab:blue",
    IMAGE_INPUT: "tab:red",
    IMAGE_GENERATION: "tab:purple",
    "other task": "tab:gray",
}

HOW = {
    "model_parameters": "parameter counts are recorded when a model is measured: rerun the "
    "measurements and summary tables with the current workflow",
    "architecture_kind": "the architecture kind is recorded when a model is measured: rerun "
    "the measurements and summary tables with the current workflow",
    "emissions_g_per_1k_mean": "rerun rule summarize_measurements with the current workflow",
}
RERUN_TABLE = "rerun the rule that writes this table with the current workflow"
TABLE_HOW = {  # what writes each table, for a table that is empty or predates a column
    "model_summary": "rerun rule summarize_measurements with the current workflow",
    "cell_summary": "rerun rule summarize_measurements with the current workflow",
    "quality": "give the datasets their reference fields in the config (fields: label, answers "
    "or summary) and rerun rule score_quality",
    "lengths": "rerun rule tabulate_lengths with the current workflow",
    "comparison": "rerun the rule that writes results/tables/comparison.csv (our values beside "
    "resources/reference/paper)",
}
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
    figure.text(0.5, 0.5, "\n\n".join(paragraphs), ha="center", va="center", fontsize=10.5)
    return figure


def save(figure: Figure, png_path: Path, pdf_path: Path) -> None:
    """Write the figure as PNG (at DPI) and PDF, each atomically, and release it."""
    for path in (png_path, pdf_path):
        with atomic_path(path) as tmp:
            figure.savefig(tmp, format=Path(path).suffix.lstrip("."), dpi=DPI)
    plt.close(figure)


# --- shared pieces --------------------------------------------------------------------------


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


def positive(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Rows whose `columns` are all positive numbers: the ones a log axis can show."""
    values = table[list(columns)].apply(pd.to_numeric, errors="coerce")
    return table[(values > 0).all(axis=1)].assign(**values)


def group_of(rows: pd.DataFrame) -> pd.Series:
    """Task-specific, or the multi-purpose model's architecture where the table records it."""
    if "architecture_kind" in rows.columns:
        architecture = rows["architecture_kind"].astype(object)
    else:
        architecture = pd.Series(None, index=rows.index, dtype=object)
    multi_purpose = architecture.map(ARCHITECTURE_GROUP).fillna(OTHER_MULTI_PURPOSE)
    return multi_purpose.where(rows["model_kind"] == "multi_purpose", TASK_SPECIFIC)


def short_model(model: str) -> str:
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
    for factor, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if count >= factor:
            return f"{count / factor:.3g}{suffix}"
    return f"{count:.3g}"


def format_grams(grams: float) -> str:
    return f"{grams:.2g} g"


def log_count_axis(axis: Axis) -> None:
    """Parameter counts read as 10M, 1B rather than as powers of ten."""
    label_log_axis(axis, format_count)


def log_number_axis(axis: Axis) -> None:
    """Plain numbers (0.01, 1, 100) rather than powers of ten."""
    label_log_axis(axis, lambda value: f"{value:g}")


def label_log_axis(axis: Axis, describe: Callable[[float], str]) -> None:
    """Label decades; on an axis too short to show two of them, label in-between marks too
    (2 and 5 times, or every multiple on a very short one) so it never goes unlabelled."""
    label = FuncFormatter(lambda value, _: describe(value))
    axis.set_major_formatter(label)
    low, high = axis.get_view_interval()
    decades = np.log10(high / low)
    if decades < 2.0:
        subs = (2.0, 5.0) if decades >= 0.7 else tuple(np.arange(2.0, 10.0))
        axis.set_minor_locator(LogLocator(subs=subs))
        axis.set_minor_formatter(label)
    else:
        axis.set_minor_formatter(NullFormatter())


def area_scale(values: pd.Series) -> Callable[[Iterable[float]], np.ndarray]:
    """Marker area in pt^2, growing with log(value): sizes and emissions span orders of
    magnitude, so an area proportional to the value would shrink most models to specks."""
    low, high = np.log10(values.min()), np.log10(values.max())
    span = high - low

    def area(value: Iterable[float]) -> np.ndarray:
        logs = np.log10(np.asarray(list(value), dtype=float))
        if span < 1e-9:
            return np.full(logs.shape, 100.0)
        return 20.0 + 280.0 * (logs - low) / span

    return area


def marker_area(marker: str) -> float:
    """Area of a marker drawn at size 1, from its outline (shoelace formula)."""
    style = MarkerStyle(marker)
    outline = style.get_path().transformed(style.get_transform())
    return sum(
        0.5 * abs(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))
        for x, y in (polygon.T for polygon in outline.to_polygons())
    )


def sized_like_circles(areas: np.ndarray, group: str) -> np.ndarray:
    """Scatter sizes for a group's marker that cover the same area as a circle would: at equal
    `s` a square covers 27% more than a circle, which would overstate that group's models."""
    return areas * marker_area("o") / marker_area(GROUP_STYLE[group]["marker"])


def reference_values(values: pd.Series) -> list[float]:
    """Up to three round values spanning `values`, for a size legend."""
    low, high = float(values.min()), float(values.max())
    picks = [low, float(np.sqrt(low * high)), high] if high > low * 1.5 else [high]
    return sorted({float(f"{v:.1g}") for v in picks})


Section = tuple[str, list[Line2D], list[str]]  # heading, handles, labels


def size_section(
    values: pd.Series,
    area: Callable[[Iterable[float]], np.ndarray],
    describe: Callable[[float], str],
    heading: str,
) -> Section:
    references = reference_values(values)
    handles = [
        Line2D([], [], linestyle="", marker="o", color="0.55", markersize=np.sqrt(a))
        for a in area(references)
    ]
    return heading, handles, [describe(v) for v in references]


def group_section(groups: Sequence[str], heading: str = "model") -> Section:
    handles = [
        Line2D([], [], linestyle="", markersize=8, alpha=0.8, **GROUP_STYLE[g]) for g in groups
    ]
    return heading, handles, list(groups)


def legend_beside(axes: Axes, sections: Sequence[Section]) -> None:
    """One legend right of the axes, a bold heading per section. One legend, because it is
    the axes' own legend that constrained layout makes room for; added artists overflow."""
    handles: list[Line2D] = []
    labels: list[str] = []
    headings = []
    for heading, section_handles, section_labels in sections:
        headings.append(len(labels))
        handles += [Line2D([], [], linestyle="", marker=""), *section_handles]
        labels += [heading, *section_labels]
    legend = axes.legend(
        handles,
        labels,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=9,
        labelspacing=1.0,
        handlelength=1.5,
    )
    for index in headings:
        legend.get_texts()[index].set_fontweight("bold")


def present_groups(groups: pd.Series) -> list[str]:
    return [g for g in GROUP_STYLE if g in set(groups)]


# --- Figure 2: parameters vs emissions by modality ------------------------------------------


def parameters_vs_emissions(model_summary: pd.DataFrame) -> Figure:
    """Figure 2: one dot per model and task, log-log, coloured by modality."""
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
    for modality, color in MODALITY_COLORS.items():
        for kind, (marker, kind_label) in kinds.items():
            points = rows[(rows["modality"] == modality) & (rows["model_kind"] == kind)]
            if not points.empty:
                axes.scatter(
                    points["model_parameters"],
                    points["emissions_g_per_1k"],
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
    axes.legend(loc="upper left", frameon=False, fontsize=9)
    log_count_axis(axes.xaxis)
    log_number_axis(axes.yaxis)
    return figure


# --- Figure 3: emissions on the zero-shot datasets ------------------------------------------


def zero_shot_dataset_emissions(cell_summary: pd.DataFrame) -> Figure:
    """Figure 3: per dataset the multi-purpose models ran on, task-specific vs seq2seq vs
    decoder-only emissions; dot size = parameters. One panel per task."""
    title = "Emissions on the zero-shot datasets: task-specific vs multi-purpose models"
    needed = [
        "task",
        "model_kind",
        "model",
        "dataset",
        "model_parameters",
        "emissions_g_per_1k_mean",
        "architecture_kind",
    ]
    if lacking := lacking_columns(title, {"cell_summary": (cell_summary, needed)}):
        return lacking
    zero_shot = cell_summary.loc[cell_summary["model_kind"] == "multi_purpose", ["task", "dataset"]]
    if zero_shot.empty:
        return missing(title, "the study has no multi-purpose models", ADD_MULTI_PURPOSE)
    cells = positive(
        cell_summary.merge(zero_shot.drop_duplicates()),
        ["model_parameters", "emissions_g_per_1k_mean"],
    )
    if cells.empty:
        what = "no zero-shot cell has both a parameter count and emissions above 0"
        return missing(title, what, HOW["model_parameters"])
    cells = cells.assign(group=group_of(cells))
    tasks = ordered_tasks(cells["task"])
    widths = [cells.loc[cells["task"] == t, "dataset"].nunique() for t in tasks]
    figure, panels = plt.subplots(
        1,
        len(tasks),
        figsize=WIDE_SIZE,
        sharey=True,
        layout="constrained",
        width_ratios=widths,
        squeeze=False,
    )
    area = area_scale(cells["model_parameters"])
    groups = present_groups(cells["group"])
    for axes, task in zip(panels[0], tasks, strict=True):
        draw_dataset_panel(axes, cells[cells["task"] == task], groups, area)
        axes.set_title(task_label(task), fontsize=10)
    panels[0][0].set_ylabel(EMISSIONS)
    # One label for all panels: per-panel labels sit at different heights under wrapped names.
    figure.supxlabel("dataset (the datasets the multi-purpose models ran on)", fontsize=10)
    figure.suptitle(title, fontsize=10)
    log_number_axis(panels[0][0].yaxis)
    sizes = size_section(cells["model_parameters"], area, format_count, "dot size: parameters")
    legend_beside(panels[0][-1], [group_section(groups), sizes])
    return figure


def draw_dataset_panel(
    axes: Axes, cells: pd.DataFrame, groups: list[str], area: Callable[..., np.ndarray]
) -> None:
    """Datasets along x; each group in its own column; a group's models spread by size."""
    datasets = sorted(cells["dataset"].unique())
    offset = {g: (i - (len(groups) - 1) / 2) * 0.8 / len(groups) for i, g in enumerate(groups)}
    for position, dataset in enumerate(datasets):
        for group in groups:
            points = cells[(cells["dataset"] == dataset) & (cells["group"] == group)]
            points = points.sort_values("model_parameters")
            # Models of one group spread out, smallest left, so equal values stay visible.
            half = 0.3 / len(groups)
            spread = np.linspace(-half, half, len(points)) if len(points) > 1 else np.zeros(1)
            axes.scatter(
                position + offset[group] + spread[: len(points)],
                points["emissions_g_per_1k_mean"],
                s=sized_like_circles(area(points["model_parameters"]), group),
                **BUBBLE_STYLE,
                **GROUP_STYLE[group],
            )
    axes.set_yscale("log")
    axes.set_xticks(range(len(datasets)), [wrap_name(d) for d in datasets])
    axes.set_xlim(-0.6, len(datasets) - 0.4)
    axes.grid(axis="y", which="major", alpha=0.3)


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
    return (
        f"give the {task_label(task)} datasets their reference field in the config "
        "(fields: label, answers or summary) and rerun rule score_quality"
    )


def quality_scatter(rows: pd.DataFrame, metric_label: str, title: str) -> Figure:
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
    """Figure 4."""
    title = "Text classification: model size vs accuracy"
    return parameters_vs_quality(model_summary, quality, TEXT_CLASSIFICATION_ACCURACY, title)


def parameters_vs_summarization_rouge(model_summary: pd.DataFrame, quality: pd.DataFrame) -> Figure:
    """Figure 7."""
    title = "Summarization: model size vs ROUGE-L"
    return parameters_vs_quality(model_summary, quality, SUMMARIZATION_ROUGE, title)


def parameters_vs_qa_f1(model_summary: pd.DataFrame, quality: pd.DataFrame) -> Figure:
    """Figure 8."""
    title = "Extractive QA: model size vs F1"
    return parameters_vs_quality(model_summary, quality, QA_F1, title)


# --- Figure 5: multi-purpose models' emissions by task --------------------------------------


def multi_purpose_emissions_by_task(model_summary: pd.DataFrame) -> Figure:
    """Figure 5: a bar per multi-purpose model and task, models listed down the y axis (so long
    names never collide) under a heading per architecture: seq2seq, then decoder-only."""
    title = "Multi-purpose models: emissions by task, seq2seq vs decoder-only"
    needed = [
        "task",
        "model_kind",
        "model",
        "model_parameters",
        "architecture_kind",
        "emissions_g_per_1k",
    ]
    if lacking := lacking_columns(title, {"model_summary": (model_summary, needed)}):
        return lacking
    rows = model_summary[model_summary["model_kind"] == "multi_purpose"]
    if rows.empty:
        return missing(title, "the study has no multi-purpose models", ADD_MULTI_PURPOSE)
    rows = positive(rows, ["emissions_g_per_1k"])
    if rows.empty:
        what = "no multi-purpose model has emissions above 0"
        return missing(title, what, TABLE_HOW["model_summary"])
    rows = rows.assign(group=group_of(rows))
    lines = model_lines(rows)
    tasks = ordered_tasks(rows["task"])
    figure, axes = plt.subplots(figsize=(8.5, 6.0), layout="constrained")
    position = dict(zip(lines["model"], lines.index, strict=True))  # headings' model is None
    height = 0.8 / len(tasks)
    for i, task in enumerate(tasks):
        bars = rows[rows["task"] == task]
        axes.barh(
            bars["model"].map(position) + (i - (len(tasks) - 1) / 2) * height,
            bars["emissions_g_per_1k"],
            height=height * 0.95,
            color=TASK_COLORS.get(task, "0.5"),
            label=task_label(task),
        )
    axes.set_xscale("log")
    # Bars on a log axis start at its left edge: leave room so the smallest bar is visible.
    axes.set_xlim(left=rows["emissions_g_per_1k"].min() / 2)
    axes.set_yticks(lines.index, lines["label"])
    for label, is_heading in zip(axes.get_yticklabels(), lines["heading"], strict=True):
        label.set_fontweight("bold" if is_heading else "normal")
    axes.set_ylim(len(lines) - 0.5, -0.5)  # first line at the top
    axes.set_xlabel(EMISSIONS)
    axes.set_ylabel("model (parameters counted from the loaded model)")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", which="major", alpha=0.3)
    axes.legend(title="task", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    log_number_axis(axes.xaxis)
    return figure


def model_lines(rows: pd.DataFrame) -> pd.DataFrame:
    """The y axis's lines: per architecture group a heading, then its models, smallest first."""
    models = rows.groupby("model", as_index=False).agg(
        group=("group", "first"), parameters=("model_parameters", "max")
    )
    lines = []
    for group in present_groups(models["group"]):
        lines.append({"model": None, "label": group, "heading": True})
        for model in (
            models[models["group"] == group].sort_values(["parameters", "model"]).itertuples()
        ):
            size = format_count(model.parameters) if model.parameters > 0 else "size unknown"
            lines.append(
                {
                    "model": model.model,
                    "label": f"{short_model(model.model)} ({size})",
                    "heading": False,
                }
            )
    return pd.DataFrame(lines)


# --- Figure 6: summary length vs emissions --------------------------------------------------


def summarization_length_vs_emissions(cell_summary: pd.DataFrame, lengths: pd.DataFrame) -> Figure:
    """Figure 6: one dot per summarization model and dataset: mean generated tokens vs
    emissions; colour = model group, marker = dataset."""
    title = "Summarization: output length vs emissions"
    keys = list(CELL_KEY)
    tables = {
        "cell_summary": (cell_summary, [*keys, "emissions_g_per_1k_mean"]),
        "lengths": (lengths, [*keys, "mean_output_tokens"]),
    }
    if lacking := lacking_columns(title, tables):
        return lacking
    cells = cell_summary[cell_summary["task"] == "summarization"]
    if cells.empty:
        how = "add summarization datasets and models to the study config and rerun the workflow"
        return missing(title, "the study measured no summarization model", how)
    rows = positive(
        cells.merge(lengths[[*keys, "mean_output_tokens"]], on=keys),
        ["emissions_g_per_1k_mean", "mean_output_tokens"],
    )
    if rows.empty:
        what = "results/tables/lengths.csv has no output length for the summarization cells"
        return missing(title, what, "rerun rule tabulate_lengths")
    return length_scatter(rows.assign(group=group_of(rows)), title)


def length_scatter(rows: pd.DataFrame, title: str) -> Figure:
    figure, axes = plt.subplots(figsize=SCATTER_SIZE, layout="constrained")
    datasets = sorted(rows["dataset"].unique())
    markers = dict(zip(datasets, "osD^vP*Xh<>p", strict=False))
    groups = present_groups(rows["group"])
    for group in groups:
        for dataset in datasets:
            points = rows[(rows["group"] == group) & (rows["dataset"] == dataset)]
            axes.scatter(
                points["mean_output_tokens"],
                points["emissions_g_per_1k_mean"],
                s=45,
                color=GROUP_STYLE[group]["color"],
                marker=markers.get(dataset, "o"),
                alpha=0.7,
            )
    axes.set_yscale("log")
    axes.set_xlabel("mean generated tokens per summary")
    axes.set_ylabel(EMISSIONS)
    axes.set_title(f"{title} (one dot per model and dataset)", fontsize=10)
    axes.grid(which="major", alpha=0.3)
    log_number_axis(axes.yaxis)
    colours = [
        Line2D([], [], linestyle="", marker="o", markersize=8, color=GROUP_STYLE[g]["color"])
        for g in groups
    ]
    shapes = [
        Line2D([], [], linestyle="", marker=markers.get(d, "o"), markersize=7, color="0.4")
        for d in datasets
    ]
    legend_beside(axes, [("colour: model", colours, groups), ("marker: dataset", shapes, datasets)])
    return figure


# --- Ours vs the paper -----------------------------------------------------------------------


def ours_vs_paper(comparison: pd.DataFrame) -> Figure:
    """Per task, our energy per 1,000 inferences beside the paper's (log scale), with the
    ratio ours / paper on the right."""
    title = "Energy per 1,000 inferences by task: this run vs the paper"
    needed = [
        "level",
        "task",
        "model_kind",
        "ours_energy_kwh_per_1k",
        "paper_energy_kwh_per_1k",
        "energy_ratio",
    ]
    if lacking := lacking_columns(title, {"comparison": (comparison, needed)}):
        return lacking
    rows = comparison[comparison["level"] == "task"]
    rows = positive(rows, ["ours_energy_kwh_per_1k"]).reset_index(drop=True)
    if rows.empty:
        what = "results/tables/comparison.csv has no task-level row with an energy of ours"
        return missing(title, what, TABLE_HOW["comparison"])
    rows = comparison_rows(rows)
    figure, axes = plt.subplots(figsize=(7.5, 6.0), layout="constrained")
    y = np.arange(len(rows))
    for i, row in rows.iterrows():
        values = [row["ours_energy_kwh_per_1k"], row["paper_energy_kwh_per_1k"]]
        axes.plot(values, [i, i], color="0.7", linewidth=1.5, zorder=1)
    axes.scatter(rows["ours_energy_kwh_per_1k"], y, color="tab:blue", s=45, label="this run")
    axes.scatter(
        rows["paper_energy_kwh_per_1k"],
        y,
        facecolors="none",
        edgecolors="black",
        marker="D",
        s=40,
        label="paper",
    )
    axes.set_xscale("log")
    axes.set_yticks(y, rows["label"])
    axes.set_ylim(-0.7, len(rows) - 0.3)
    axes.set_xlabel("energy per 1,000 inferences (kWh, log scale)")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", which="major", alpha=0.3)
    # Below the axes: inside, it would sit on whichever task has the lowest energy.
    figure.legend(loc="outside lower center", ncols=2, frameon=False, fontsize=9)
    log_number_axis(axes.xaxis)
    ratio_axis = axes.secondary_yaxis("right")
    ratio_axis.set_yticks(y, rows["ratio_label"])
    ratio_axis.set_ylabel("ratio (this run / paper)")
    ratio_axis.tick_params(length=0)
    return figure


def comparison_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by energy (largest at the top), with their tick and ratio labels."""
    paper = pd.to_numeric(rows["paper_energy_kwh_per_1k"], errors="coerce")
    paper = paper.where(paper > 0)  # a log axis cannot show 0; such rows read "not in paper"
    ratio = pd.to_numeric(rows["energy_ratio"], errors="coerce")
    ratio = ratio.fillna(rows["ours_energy_kwh_per_1k"] / paper)
    both_kinds = rows["model_kind"].nunique() > 1
    kind = rows["model_kind"].map({"task_specific": "task-specific"}).fillna("multi-purpose")
    label = rows["task"].map(task_label) + (", " + kind if both_kinds else "")
    ordered = rows.assign(
        paper_energy_kwh_per_1k=paper,
        label=label,
        ratio_label=ratio.map(format_ratio),
        order=paper.fillna(rows["ours_energy_kwh_per_1k"]),
    )
    return ordered.sort_values("order").reset_index(drop=True)


def format_ratio(ratio: float) -> str:
    if not np.isfinite(ratio) or ratio <= 0:  # no paper value (or none of ours) to divide
        return "not in paper"
    times = "\N{MULTIPLICATION SIGN}"
    if ratio >= 100:
        return f"{times}{ratio:,.0f}"
    if ratio >= 0.5:
        return f"{times}{ratio:.2g}"
    # A fraction reads better than 8.2e-05: "x1/12,000" is "12,000 times less than the paper";
    # every ratio under one half is written so, so that a column of them compares at a glance.
    return f"{times}1/{float(f'{1 / ratio:.2g}'):,.0f}"


# --- registry -------------------------------------------------------------------------------

FigureFunction = Callable[..., Figure]

# Figure name (the output file stem under results/figures/) -> (function, its input tables).
# Input names are the table stems under results/tables/ and the function's keyword arguments.
DRAWERS: dict[str, FigureFunction] = {
    "parameters_vs_emissions": parameters_vs_emissions,
    "zero_shot_dataset_emissions": zero_shot_dataset_emissions,
    "parameters_vs_text_classification_accuracy": parameters_vs_text_classification_accuracy,
    "multi_purpose_emissions_by_task": multi_purpose_emissions_by_task,
    "summarization_length_vs_emissions": summarization_length_vs_emissions,
    "parameters_vs_summarization_rouge": parameters_vs_summarization_rouge,
    "parameters_vs_qa_f1": parameters_vs_qa_f1,
    "ours_vs_paper": ours_vs_paper,
}
FIGURES: dict[str, tuple[FigureFunction, list[str]]] = {
    name: (DRAWERS[name], inputs) for name, inputs in FIGURE_INPUTS.items()
}


def read_table(path: str | Path) -> pd.DataFrame:
    """A table, or an empty one for an empty file (a step with nothing to report)."""
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def draw(name: str, table_paths: Mapping[str, str | Path]) -> Figure:
    """Figure `name` of FIGURES from its input tables, given by table name."""
    function, inputs = FIGURES[name]
    return function(**{table: read_table(table_paths[table]) for table in inputs})
