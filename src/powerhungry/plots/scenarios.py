"""Deployment scenarios compared (issue 16; not in the paper), from scenario_summary.csv: each
model's energy per 1,000 inferences (query phase, kWh: its mean over the datasets it was measured
on in the scenario) against batch size (`energy_vs_batch_size`), against the time a request
waits for its batch (`latency_energy_tradeoff`, with each task's Pareto front), and per dtype at
batch size 1 (`precision_at_batch_size_1`).

A scenario is placed by its settings as its measurement rows recorded them (batch_size, dtype,
attention), never by its name: the default scenario (the protocol's own settings) is whatever
the protocol says, batch size 1 in float32 only where the protocol is the paper's. Each value is
drawn with its 95% interval, hollow if imprecise (`plots.uncertainty`); a value not measured
(its cells failed: `n_cells_missing`) is absent, never 0, and `drawing.missing_note` names it
under the figure. A study that declares no scenario besides the default gets a message figure
saying how to declare some.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from powerhungry.analysis import deployment
from powerhungry.columns import DEFAULT_SCENARIO, MODEL, MODEL_KEY, SCENARIO, TASK
from powerhungry.plots.axes import log_number_axis, positive
from powerhungry.plots.messages import DECLARE_SCENARIOS, TABLE_HOW, lacking_columns, missing
from powerhungry.plots.style import ENERGY, short_model, wrap_name
from powerhungry.plots.uncertainty import (
    IMPRECISE_NOTE,
    bar_lengths,
    imprecise_handle,
    interval,
    interval_bars,
    scatter_marking_imprecise,
    scatter_with_interval,
    wrap_note,
)
from powerhungry.tasks import ordered_tasks, task_label

TABLE = "scenario_summary"
ENERGY_COLUMN = deployment.ENERGY  # kWh per 1,000 inferences
BATCH = "batch_size"
DTYPE = "dtype"
ATTENTION = "attention"
WAIT = "seconds_per_batch"  # s: what a request served in a batch waits for its answer
VARIANT = "variant"  # dtype, and attention implementation where one was set
NO_SCENARIOS = (
    "the study declares no deployment scenario besides `default` (the protocol's own "
    "settings), so there is nothing to compare it with"
)
MEASURE_AGAIN = (
    "rerun the scenarios' failed cells (results/tables/missing_cells.csv says why each failed)"
)

# How a dtype's line is drawn; any other dtype dash-dotted.
DTYPE_LINES = {"float32": "-", "bfloat16": "--", "float16": ":"}
OTHER_DTYPE_LINE = "-."
# A marker per variant (dtype and attention), in the order of `variants`.
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*")
PALETTE = colormaps["tab10"].colors  # a colour per model of a panel, per dtype at batch 1
FRONT_LINE = "0.15"
OFF_FRONT = "0.72"  # grey: a point some other point beats on both latency and energy
KEY_FONT = 8
Section = tuple[list[Line2D], list[str]]  # a column of a figure's key: handles, labels

# Small multiples: columns of task panels, each with its legend on its right.
PANEL_COLUMNS = 3
PANEL_SIZE = (4.6, 3.0)  # inches per panel, its legend included
TITLE_ROOM = 1.3  # inches above and below the panels: title, key, axis labels
NAME_WIDTH = 30  # characters of a line of a model's name
LINE_HEIGHT = 0.28  # inches per model of `precision_at_batch_size_1`: two lines of 8 pt


# --- shared ------------------------------------------------------------------------------------


def unfit(title: str, scenario_summary: pd.DataFrame, columns: Sequence[str]) -> Figure | None:
    """The message figure for a scenario summary that cannot be drawn from: one lacking a
    column the figure needs (with MODEL_KEY and the settings), holding no model, or holding
    the default scenario only (NO_SCENARIOS); else None."""
    needed = [*MODEL_KEY, BATCH, DTYPE, ATTENTION, ENERGY_COLUMN, *columns]
    if lacking := lacking_columns(title, {TABLE: (scenario_summary, needed)}):
        return lacking
    if scenario_summary.empty:
        return missing(title, f"results/tables/{TABLE}.csv holds no model", TABLE_HOW[TABLE])
    if scenario_summary[SCENARIO].fillna(DEFAULT_SCENARIO).eq(DEFAULT_SCENARIO).all():
        return missing(title, NO_SCENARIOS, DECLARE_SCENARIOS)
    return None


def setting(rows: pd.DataFrame, name: str) -> pd.Series:
    """A setting column as text, "" where not recorded (an attention left to the model's default
    reads back from CSV as an empty, float column)."""
    return rows[name].astype("string").fillna("")


def variant_of(rows: pd.DataFrame) -> pd.Series:
    """Each row's dtype, with its attention implementation where the scenario set one
    ("bfloat16, sdpa attention"); "dtype not recorded" where the rows did not say."""
    dtype = setting(rows, DTYPE).replace("", "dtype not recorded")
    attention = setting(rows, ATTENTION)
    return dtype.where(attention == "", dtype + ", " + attention + " attention")


def variant_markers(scenario_summary: pd.DataFrame) -> dict[str, str]:
    """A marker per variant of the table (float32, bfloat16, float16 first, then any other
    dtype; the model's default attention before a set one), the same in every figure drawn
    from it."""
    rows = scenario_summary.assign(**{VARIANT: variant_of(scenario_summary)})
    rank = {dtype: i for i, dtype in enumerate(DTYPE_LINES)}
    order = rows.assign(
        rank=rows[DTYPE].map(rank).fillna(len(rank)),
        set_attention=setting(rows, ATTENTION) != "",
    ).sort_values(["rank", "set_attention", VARIANT])
    variants = order[VARIANT].drop_duplicates()
    return dict(zip(variants, itertools.cycle(MARKERS), strict=False))


def line_style(dtype: object) -> str:
    """How a dtype's line is drawn (DTYPE_LINES)."""
    return DTYPE_LINES.get(str(dtype), OTHER_DTYPE_LINE)


def task_grid(tasks: Sequence[str]) -> tuple[Figure, dict[str, Axes]]:
    """A figure of one panel per task (PANEL_COLUMNS to a row), each titled with its task. It
    is PANEL_SIZE larger per column and per row (a figure at least 7.5 inches wide)."""
    columns = min(len(tasks), PANEL_COLUMNS)
    rows = math.ceil(len(tasks) / columns)
    width, height = PANEL_SIZE
    figure, grid = plt.subplots(
        rows,
        columns,
        figsize=(max(7.5, width * columns), TITLE_ROOM + height * rows),
        layout="constrained",
        squeeze=False,
    )
    for unused in grid.flat[len(tasks) :]:
        unused.remove()
    panels = dict(zip(tasks, grid.flat, strict=False))
    for task, axes in panels.items():
        axes.set_title(task_label(task), fontsize=10)
        axes.grid(which="major", alpha=0.3)
    return figure, panels


def model_name(model: str, suffix: str = "") -> str:
    """A model id without its organisation, broken after separators into lines of NAME_WIDTH
    characters (model ids run to 50 and more), then `suffix` (" (scenario)"), whole: on the
    last line where it fits, else on a line of its own."""
    lines = wrap_name(short_model(model), NAME_WIDTH).split("\n")
    if suffix and len(lines[-1]) + len(suffix) > NAME_WIDTH:
        lines.append(suffix.strip())
    else:
        lines[-1] += suffix
    return "\n".join(lines)


def legend_beside_panel(axes: Axes, handles: list[Line2D], labels: list[str], title: str) -> None:
    """A small legend right of a panel (its models, or its Pareto front)."""
    axes.legend(
        handles,
        labels,
        title=title,
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        fontsize=7,
        title_fontsize=8,
        frameon=False,
        handlelength=2.2,
        alignment="left",
    )


def key_above(figure: Figure, title: str, sections: Sequence[Section]) -> None:
    """The figure's title, and under it the key across the figure, a column per section (what
    colours, markers, line styles and hollow dots mean): one legend, titled, so that the
    layout makes room for both."""
    sections = [section for section in sections if section[0]]
    rows = max(len(handles) for handles, _ in sections)
    handles: list[Line2D] = []
    labels: list[str] = []
    for section_handles, section_labels in sections:  # the legend fills column by column
        blank = rows - len(section_handles)
        handles += [*section_handles, *[Line2D([], [], linestyle="", marker="")] * blank]
        labels += [*section_labels, *[""] * blank]
    legend = figure.legend(
        handles,
        labels,
        title=title,
        loc="outside upper center",
        ncol=len(sections),
        fontsize=KEY_FONT,
        frameon=False,
        handlelength=2.5,
    )
    legend.get_title().set_fontsize(11)


def variant_handles(markers: Mapping[str, str], rows: pd.DataFrame, lines: bool) -> Section:
    """Legend handles for the variants `rows` show, in `markers`' order: grey markers, on a
    line styled by the variant's dtype with `lines`."""
    shown = rows.drop_duplicates(VARIANT).set_index(VARIANT)[DTYPE]
    variants = [v for v in markers if v in shown.index]
    handles = [
        Line2D(
            [],
            [],
            color="0.3",
            marker=markers[v],
            markersize=6,
            linestyle=line_style(shown[v]) if lines else "",
        )
        for v in variants
    ]
    return handles, variants


def hollow_key(hollow: bool) -> Section:
    """The imprecise dots' legend entry, where any dot is hollow."""
    return ([imprecise_handle()], [IMPRECISE_NOTE]) if hollow else ([], [])


def plain_number_ticks(axes: Axes, values: Sequence[float]) -> None:
    """A log x axis ticked at `values` exactly (batch sizes: 1, 8, 32), as plain numbers."""
    axes.xaxis.set_major_locator(FixedLocator(list(values)))
    axes.xaxis.set_minor_locator(NullLocator())
    axes.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    axes.set_xlim(min(values) / 1.6, max(values) * 1.6)


# --- energy vs batch size ----------------------------------------------------------------------


def energy_vs_batch_size(scenario_summary: pd.DataFrame) -> Figure:
    """Per task, energy per 1,000 inferences (kWh) against batch size, log-log: one line per
    model (colour; named beside its task's panel) and dtype (line style; attention too, by
    marker), each point with its 95% interval, hollow if imprecise. A scenario whose model was
    not measured leaves a gap in the model's line, never a 0."""
    title = "Energy per 1,000 inferences vs batch size: one line per model and dtype"
    if message := unfit(title, scenario_summary, []):
        return message
    batch = pd.to_numeric(scenario_summary[BATCH], errors="coerce")
    # Lines through every scenario at a recorded batch size, NaN (a gap) where not measured.
    rows = scenario_summary[batch > 0].assign(**{BATCH: batch[batch > 0]})
    rows = rows.assign(**{ENERGY_COLUMN: pd.to_numeric(rows[ENERGY_COLUMN], errors="coerce")})
    measured = positive(rows, [ENERGY_COLUMN])
    sizes = sorted(measured[BATCH].unique())
    if len(sizes) < 2:
        what = (
            "no scenario has a measured energy at a recorded batch size"
            if measured.empty
            else f"the scenarios measured one batch size only ({sizes[0]:g})"
        )
        return missing(title, what, DECLARE_SCENARIOS)
    markers = variant_markers(scenario_summary)
    rows = rows[rows[TASK].isin(measured[TASK])].assign(**{VARIANT: variant_of(rows)})
    figure, panels = task_grid(ordered_tasks(rows[TASK]))
    hollow = False
    for task, axes in panels.items():
        hollow |= batch_panel(axes, rows[rows[TASK] == task], markers)
    figure.supxlabel("batch size (samples per model call, log scale)", fontsize=10)
    figure.supylabel(ENERGY, fontsize=10)
    key_above(figure, title, [variant_handles(markers, rows, lines=True), hollow_key(hollow)])
    return figure


def batch_panel(axes: Axes, rows: pd.DataFrame, markers: Mapping[str, str]) -> bool:
    """One task's lines (a model's measured points, its gaps where a scenario was not
    measured) and its models' legend; returns whether any point is hollow."""
    models = sorted(rows.loc[rows[ENERGY_COLUMN] > 0, MODEL].unique())
    colors = dict(zip(models, itertools.cycle(PALETTE), strict=False))
    hollow = False
    for (model, variant), line in rows[rows[MODEL].isin(models)].groupby([MODEL, VARIANT]):
        line = line.sort_values(BATCH)
        color = colors[model]
        dtype = line[DTYPE].iloc[0]
        axes.plot(line[BATCH], line[ENERGY_COLUMN], color=color, linestyle=line_style(dtype))
        points = line[line[ENERGY_COLUMN] > 0]
        hollow |= scatter_with_interval(
            axes,
            points[BATCH],
            points[ENERGY_COLUMN],
            points,
            color=color,
            marker=markers[variant],
            s=24,
            zorder=3,
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    plain_number_ticks(axes, sorted(rows.loc[rows[ENERGY_COLUMN] > 0, BATCH].unique()))
    log_number_axis(axes.yaxis)
    handles = [Line2D([], [], color=colors[m], linewidth=2) for m in models]
    legend_beside_panel(axes, handles, [model_name(m) for m in models], "model")
    return hollow


# --- latency vs energy -------------------------------------------------------------------------


def pareto_front(x: Sequence[float], y: Sequence[float]) -> np.ndarray:
    """Whether each point is on the Pareto front of two quantities both better low (latency and
    energy): no other point is as low or lower on both and lower on one. Equal points are both
    on it."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    # [i, j]: point j is no worse than point i on both, and better on one.
    no_worse = (x[None, :] <= x[:, None]) & (y[None, :] <= y[:, None])
    better = (x[None, :] < x[:, None]) | (y[None, :] < y[:, None])
    return ~(no_worse & better).any(axis=1)


def latency_energy_tradeoff(scenario_summary: pd.DataFrame) -> Figure:
    """Per task, log-log: the time a request served in a batch waits for it (s per batch)
    against energy per 1,000 inferences (kWh), a point per model and scenario with both 95%
    intervals (hollow if imprecise). The task's Pareto front (`pareto_front`: the points no
    other beats on both) is joined by a step line, coloured by batch size and marked by dtype,
    and named beside the panel, fastest first; the other points are grey."""
    title = "Latency vs energy per task: the model and scenario pairs on the Pareto front"
    halfwidth = WAIT + deployment.HALFWIDTH
    if message := unfit(title, scenario_summary, [WAIT, halfwidth]):
        return message
    rows = positive(scenario_summary, [WAIT, ENERGY_COLUMN])
    if rows[SCENARIO].nunique() < 2:
        what = "fewer than two scenarios have a measured latency and energy"
        return missing(title, what, MEASURE_AGAIN)
    rows = rows.assign(
        **{VARIANT: variant_of(rows), BATCH: pd.to_numeric(rows[BATCH], errors="coerce")}
    )
    markers = variant_markers(scenario_summary)
    sizes = sorted(rows[BATCH].dropna().unique())
    colors = dict(zip(sizes, colormaps["viridis"](np.linspace(0.0, 0.85, len(sizes))), strict=True))
    figure, panels = task_grid(ordered_tasks(rows[TASK]))
    hollow = False
    for task, axes in panels.items():
        hollow |= tradeoff_panel(axes, rows[rows[TASK] == task], markers, colors)
    figure.supxlabel(
        "seconds per batch: what a request served in a batch waits (s, log scale)", fontsize=10
    )
    figure.supylabel(ENERGY, fontsize=10)
    batches = (
        [Line2D([], [], linestyle="", marker="o", markersize=7, color=c) for c in colors.values()],
        [f"batch size {size:g}" for size in colors],
    )
    hollow_handles, hollow_labels = hollow_key(hollow)
    front = (
        [
            Line2D([], [], color=FRONT_LINE, drawstyle="steps-post", linewidth=1.2),
            Line2D([], [], linestyle="", marker="o", markersize=7, color=OFF_FRONT),
            *hollow_handles,
        ],
        [
            "Pareto front: no other point is both faster and lower",
            "beaten on both by another point",
            *hollow_labels,
        ],
    )
    key_above(figure, title, [batches, variant_handles(markers, rows, lines=False), front])
    return figure


def tradeoff_panel(
    axes: Axes, rows: pd.DataFrame, markers: Mapping[str, str], colors: Mapping[float, object]
) -> bool:
    """One task's points, its Pareto front as a step line and named in a legend beside it;
    returns whether any point is hollow."""
    rows = rows.assign(front=pareto_front(rows[WAIT], rows[ENERGY_COLUMN]))
    hollow = False
    for (front, variant), points in rows.groupby(["front", VARIANT]):
        for size, group in points.groupby(BATCH, dropna=False):
            hollow |= scatter_with_interval(
                axes,
                group[WAIT],
                group[ENERGY_COLUMN],
                group,
                xerr=bar_lengths(group[WAIT], group[WAIT + deployment.HALFWIDTH]),
                color=colors.get(size, "0.3") if front else OFF_FRONT,
                marker=markers[variant],
                s=40 if front else 22,
                zorder=4 if front else 2,
            )
    front = rows[rows["front"]].sort_values([WAIT, ENERGY_COLUMN])
    axes.step(front[WAIT], front[ENERGY_COLUMN], where="post", color=FRONT_LINE, linewidth=1.2)
    axes.set_xscale("log")
    axes.set_yscale("log")
    log_number_axis(axes.xaxis)
    log_number_axis(axes.yaxis)
    handles = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=markers[row[VARIANT]],
            markersize=6,
            color=colors.get(row[BATCH], "0.3"),
        )
        for _, row in front.iterrows()
    ]
    labels = [model_name(row[MODEL], f" ({row[SCENARIO]})") for _, row in front.iterrows()]
    legend_beside_panel(axes, handles, labels, "Pareto front, fastest first")
    return hollow


# --- precision at batch size 1 -----------------------------------------------------------------


def precision_at_batch_size_1(scenario_summary: pd.DataFrame) -> Figure:
    """At batch size 1 (as the rows recorded it, whichever scenario that is), each model's
    energy per 1,000 inferences (kWh, log scale) in each dtype it was measured in: a row per
    model under its task's heading, a marker per dtype (and attention implementation) with its
    95% interval (hollow if imprecise), joined by a grey line (its length on the log axis is the
    ratio between them). A message figure where batch size 1 was measured in one dtype only."""
    title = "Precision at batch size 1: energy per 1,000 inferences by dtype"
    if message := unfit(title, scenario_summary, []):
        return message
    rows = positive(scenario_summary, [BATCH, ENERGY_COLUMN])
    rows = rows[rows[BATCH] == 1]
    if rows.empty:
        return missing(
            title, "no scenario has a measured energy at batch size 1", DECLARE_SCENARIOS
        )
    dtypes = sorted(setting(rows, DTYPE).unique())
    if len(dtypes) < 2:
        what = f"at batch size 1 the scenarios measured one dtype only ({dtypes[0] or 'unknown'})"
        how = (
            "declare a scenario of batch_size 1 in another dtype (config/deployment.yaml's "
            "bs1-bf16: bfloat16) and rerun the workflow"
        )
        return missing(title, what, how)
    rows = rows.assign(**{VARIANT: variant_of(rows)})
    markers = variant_markers(scenario_summary)
    lines = model_lines(rows)
    figure, axes = plt.subplots(
        figsize=(8.5, TITLE_ROOM + LINE_HEIGHT * len(lines)), layout="constrained"
    )
    position = {(line.task, line.model): i for i, line in lines.iterrows() if not line.heading}
    y = pd.Series([position[key] for key in zip(rows[TASK], rows[MODEL], strict=True)], rows.index)
    spans = rows.groupby([TASK, MODEL])[ENERGY_COLUMN].agg(["min", "max"])
    axes.hlines(
        [position[key] for key in spans.index], spans["min"], spans["max"], color="0.8", linewidth=2
    )
    variants = [v for v in markers if v in set(rows[VARIANT])]
    hollow = False
    for variant, color in zip(variants, itertools.cycle(PALETTE), strict=False):
        points = rows[rows[VARIANT] == variant]
        energy = points[ENERGY_COLUMN]
        axes.errorbar(
            energy, y[points.index], xerr=interval(energy, points), **interval_bars(color)
        )
        hollow |= scatter_marking_imprecise(
            axes,
            energy,
            y[points.index],
            points,
            color=color,
            marker=markers[variant],
            s=40,
            zorder=3,
            label=variant,
        )
    axes.set_xscale("log")
    log_number_axis(axes.xaxis)
    axes.set_yticks(lines.index, lines["label"])
    for label, heading in zip(axes.get_yticklabels(), lines["heading"], strict=True):
        label.set_fontweight("bold" if heading else "normal")
        label.set_fontsize(9 if heading else 8)
    axes.set_ylim(len(lines) - 0.5, -0.5)  # the first task at the top
    axes.set_xlabel(ENERGY)
    axes.set_ylabel("model (under its task), batch size 1")
    axes.set_title(title, fontsize=10)
    axes.grid(axis="x", which="major", alpha=0.3)
    handles, labels = axes.get_legend_handles_labels()
    extra_handles, extra_labels = hollow_key(hollow)
    axes.legend(
        [*handles, *extra_handles],
        [*labels, *(wrap_note(t) for t in extra_labels)],
        title="dtype",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    return figure


def model_lines(rows: pd.DataFrame) -> pd.DataFrame:
    """The y axis's lines: per task (the paper's order) a heading, then its models, lowest
    energy first; columns task, model (None for a heading), label, heading."""
    lines = []
    for task in ordered_tasks(rows[TASK]):
        lines.append({"task": task, "model": None, "label": task_label(task), "heading": True})
        lowest = rows[rows[TASK] == task].groupby(MODEL)[ENERGY_COLUMN].min().sort_values()
        lines += [
            {"task": task, "model": model, "label": model_name(model), "heading": False}
            for model in lowest.index
        ]
    return pd.DataFrame(lines)
