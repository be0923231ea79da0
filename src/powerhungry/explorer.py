"""The results explorer: one static, self-contained HTML page (successor of the paper's demo).

The page must open from a results archive years later, on a machine without network or server,
so everything travels inside the one file: the data as JSON in a ``<script
type="application/json">`` tag, vanilla JavaScript and CSS inline, no external URL at all (SVG
is written as markup, so not even its namespace URI appears). Everything that is a decision about
the numbers (star ratings, which quality metric a task plots, sort order) is made here in Python,
where it is unit-tested; the JavaScript only filters and draws what it is given.

Filters can be preset from the URL fragment (``explorer.html#task=summarization&model_kind=
multi_purpose&dataset=news_articles``): a shareable view, and what the headless-browser test
uses to drive the same code path as a user changing a ``<select>``.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from powerhungry.columns import CELL_KEY
from powerhungry.files import sha256_of, write_atomic

REQUIRED_CELL_COLUMNS = [*CELL_KEY, "energy_kwh_per_1k_mean"]
STAR_BANDS = 5
# The metric a task plots against energy when it has several: the one that credits partial
# answers (f1 over exact match, rougeL over rouge1/2); any other metric falls back to the
# alphabetically first, so a new task still plots something deterministic.
HEADLINE_METRICS = ("f1", "entity_f1", "accuracy", "accuracy_at_1", "rougeL")
COMPARISON_NUMBERS = [
    "ours_energy_kwh_per_1k",
    "paper_energy_kwh_per_1k",
    "energy_ratio",
    "ours_emissions_g_per_1k",
    "paper_emissions_g_per_1k",
]


def read_optional_table(path: str | Path | None) -> pd.DataFrame | None:
    """A CSV table, or None when there is no path, no file or no content (an optional input)."""
    if path is None or not Path(path).is_file() or Path(path).stat().st_size == 0:
        return None
    try:
        return pd.read_csv(path)
    except pd.errors.EmptyDataError:  # whitespace only: no header to read
        return None


def table_provenance(tables: Mapping[str, str | Path | None]) -> dict[str, str]:
    """Each input table's path and content hash, so a page found later names what it shows."""
    return {
        f"{name} table": (
            f"{path} (sha256 {sha256_of(path)[:16]})" if path and Path(path).is_file() else "absent"
        )
        for name, path in tables.items()
    }


def star_ratings(energy: pd.Series, task: pd.Series) -> pd.Series:
    """1-5 stars per row, as the AI Energy Score rates models: within each task, the range between
    the lowest and highest energy is cut into 5 equal (linear) bands; the lowest band gets 5 stars,
    the highest 1. A task whose rows all use the same energy (e.g. a single model) gets 5 stars;
    a row without energy gets none (<NA>). A value on a band edge falls in the less efficient band.
    """
    energy = pd.to_numeric(energy, errors="coerce").astype(float)
    low = energy.groupby(task).transform("min")
    high = energy.groupby(task).transform("max")
    width = (high - low) / STAR_BANDS
    band = ((energy - low) / width.where(width > 0)).fillna(0).clip(upper=STAR_BANDS - 1)
    stars = (STAR_BANDS - band.apply(math.floor)).astype("Int64")
    return stars.where(energy.notna(), pd.NA)


def headline_metric(metrics: Iterable[str]) -> str | None:
    """The quality metric a task plots against energy (see HEADLINE_METRICS)."""
    available = set(metrics)
    preferred = [m for m in HEADLINE_METRICS if m in available]
    return preferred[0] if preferred else min(available, default=None)


def _number(value: object) -> float | None:
    """A JSON-safe float: NaN, None and unparsable values become None (null in the page)."""
    if value is None or isinstance(value, bool):
        return None
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) else float(number)


def _integer(value: object) -> int | None:
    number = _number(value)
    return None if number is None else round(number)


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def quality_by_cell(quality: pd.DataFrame | None) -> dict[tuple[str, ...], dict[str, float]]:
    """Each cell's scored metrics ({metric: value}), keyed like CELL_KEY; unscored (NaN) dropped."""
    if quality is None or quality.empty or not {*CELL_KEY, "metric", "value"} <= set(quality):
        return {}
    scored = quality.assign(value=pd.to_numeric(quality["value"], errors="coerce"))
    scored = scored.dropna(subset=["value"])
    by_cell: dict[tuple[str, ...], dict[str, float]] = {}
    for row in scored.itertuples(index=False):
        key = tuple(str(getattr(row, c)) for c in CELL_KEY)
        by_cell.setdefault(key, {})[str(row.metric)] = float(row.value)
    return by_cell


def headline_metrics_by_task(scores: Mapping[tuple[str, ...], dict[str, float]]) -> dict[str, str]:
    """The metric each task plots; one per task so a filtered scatter never mixes scales."""
    metrics: dict[str, set[str]] = {}
    for key, values in scores.items():
        metrics.setdefault(key[0], set()).update(values)
    chosen = {task: headline_metric(names) for task, names in sorted(metrics.items())}
    return {task: metric for task, metric in chosen.items() if metric is not None}


def cell_records(cells: pd.DataFrame | None, quality: pd.DataFrame | None) -> list[dict[str, Any]]:
    """One record per measured cell, sorted by task then energy, with stars and quality inlined."""
    if cells is None or cells.empty:
        return []
    missing = [c for c in REQUIRED_CELL_COLUMNS if c not in cells.columns]
    if missing:
        raise ValueError(f"cell summary lacks columns {missing}")
    cells = cells.assign(stars=star_ratings(cells["energy_kwh_per_1k_mean"], cells["task"]))
    cells = cells.sort_values(["task", "energy_kwh_per_1k_mean", "model", "dataset"])
    scores = quality_by_cell(quality)
    headline = headline_metrics_by_task(scores)
    records = []
    for row in cells.to_dict("records"):
        key = tuple(str(row[c]) for c in CELL_KEY)
        cell_quality = scores.get(key, {})
        metric = headline.get(key[0])
        records.append(
            {
                **dict(zip(CELL_KEY, key, strict=True)),
                "parameters": _integer(row.get("model_parameters")),
                "energy_kwh_per_1k": _number(row["energy_kwh_per_1k_mean"]),
                "emissions_g_per_1k": _number(row.get("emissions_g_per_1k_mean")),
                "n_repetitions": _integer(row.get("n_repetitions")),
                "stars": _integer(row["stars"]),
                "quality": cell_quality,
                "headline_metric": metric if metric in cell_quality else None,
                "headline_value": cell_quality.get(metric) if metric else None,
            }
        )
    return records


def comparison_records(comparison: pd.DataFrame | None) -> list[dict[str, Any]]:
    """Ours-vs-paper rows (task level first); an absent or empty table gives none."""
    if comparison is None or comparison.empty:
        return []
    rows = comparison.to_dict("records")
    rows.sort(
        key=lambda r: (_text(r.get("level")) != "task", _text(r.get("task")), _text(r.get("model")))
    )
    return [
        {
            **{c: _text(row.get(c)) for c in ["level", "task", "model_kind", "model"]},
            **{c: _number(row.get(c)) for c in COMPARISON_NUMBERS},
        }
        for row in rows
    ]


def explorer_payload(
    cells: pd.DataFrame | None, quality: pd.DataFrame | None, comparison: pd.DataFrame | None
) -> dict[str, Any]:
    """Everything the page shows, as plain JSON-able data."""
    return {
        "cells": cell_records(cells, quality),
        "headline_metrics": headline_metrics_by_task(quality_by_cell(quality)),
        "comparison": comparison_records(comparison),
    }


def inline_json(payload: Mapping[str, Any]) -> str:
    """JSON that is safe inside a <script> element: no '<', '>' or '&' can end it or open a
    comment, whatever a model or dataset name holds; NaN is refused (JSON has none)."""
    text = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def provenance_html(provenance: Mapping[str, str]) -> str:
    """Where the numbers come from, as plain text in a definition list."""
    items = "".join(
        f"<dt>{html.escape(str(k))}</dt><dd>{html.escape(str(v))}</dd>"
        for k, v in provenance.items()
    )
    return f"<dl>{items}</dl>" if items else ""


def render_explorer(payload: Mapping[str, Any], title: str, provenance: Mapping[str, str]) -> str:
    """The whole page as one string (no I/O, so tests can inspect it)."""
    parts = {
        "TITLE": html.escape(title),
        "STYLE": STYLE,
        "DATA": inline_json(payload),
        "PROVENANCE": provenance_html(provenance),
        "SCRIPT": SCRIPT,
        "BANDS": str(STAR_BANDS),
    }
    # One pass over the template only: a name in the data that looks like a marker stays text.
    return re.sub(r"@@(\w+)@@", lambda match: parts[match.group(1)], PAGE)


def build_explorer(
    cells: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    comparison: pd.DataFrame | None,
    out: Path,
    title: str = "Power Hungry Processing: results explorer",
    provenance: Mapping[str, str] | None = None,
) -> None:
    """Write the explorer page to `out` atomically. Any table may be None or empty: the page then
    says so instead of the build failing (a run without quality scores or a paper comparison is
    still worth exploring)."""
    page = render_explorer(explorer_payload(cells, quality, comparison), title, provenance or {})
    write_atomic(out, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1300px;
       padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; }
.filters { display: flex; gap: 1.5em; flex-wrap: wrap; align-items: end; padding: .8em;
           background: #f3f5f8; border-radius: 6px; }
.filters label { display: flex; flex-direction: column; font-weight: 600; }
.filters select { font: inherit; margin-top: .2em; min-width: 12em; }
table { border-collapse: collapse; margin-top: .6em; }
th, td { padding: .25em .6em; border-bottom: 1px solid #ddd; text-align: left; }
td { white-space: nowrap; } td.quality { white-space: normal; }
th { background: #eef1f5; position: sticky; top: 0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.stars { color: #c28a00; letter-spacing: 1px; white-space: nowrap; }
.note { color: #555; font-style: italic; }
.count { font-weight: 600; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg .grid { stroke: #e3e3e3; } svg .axis { stroke: #555; }
svg .task_specific { fill: #1f77b4; } svg .multi_purpose { fill: #ff7f0e; } svg .all { fill: #555; }
svg circle { fill-opacity: .8; stroke: #fff; }
svg .diagonal { stroke: #999; stroke-dasharray: 4 3; }
dl { display: grid; grid-template-columns: max-content auto; gap: .1em 1em; color: #555; }
dt { font-weight: 600; } dd { margin: 0; font-family: monospace; }
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@@TITLE@@</title>
<style>@@STYLE@@</style>
</head>
<body>
<h1>@@TITLE@@</h1>
<p>Energy per 1,000 inferences of each measured cell (model &times; dataset, query phase, mean
over repetitions), its quality, and how it compares with the paper. Stars rate energy within a
task: the range between the task's lowest and highest energy is cut into @@BANDS@@ equal bands;
&#9733;&#9733;&#9733;&#9733;&#9733; is the most efficient band (as the AI Energy Score), and a
task with a single value gets five stars.</p>
<noscript><p class="note">This page needs JavaScript to show its data.</p></noscript>
<form class="filters" id="filters" onsubmit="return false">
  <label>Task <select id="filter-task"><option value="all">all</option></select></label>
  <label>Model kind <select id="filter-model_kind"><option value="all">all</option></select></label>
  <label>Dataset <select id="filter-dataset"><option value="all">all</option></select></label>
  <span class="count" id="cell-count"></span>
</form>

<h2>Measured cells</h2>
<p class="note" id="cells-note" hidden></p>
<table id="cells">
<thead><tr><th>Task</th><th>Model</th><th>Kind</th><th>Dataset</th><th>Parameters</th>
<th>Energy (kWh / 1k)</th><th>Emissions (gCO&#8322;eq / 1k)</th><th>Quality (0&ndash;1)</th>
<th>Stars</th></tr></thead>
<tbody></tbody>
</table>

<h2>Energy vs quality</h2>
<p class="note" id="scatter-caption"></p>
<div id="scatter"></div>

<h2>Ours vs the paper</h2>
<p class="note" id="comparison-note" hidden></p>
<table id="comparison">
<thead><tr><th>Level</th><th>Task</th><th>Kind</th><th>Model</th><th>Ours (kWh / 1k)</th>
<th>Paper (kWh / 1k)</th><th>Ours / paper</th><th>Ours (gCO&#8322;eq / 1k)</th>
<th>Paper (gCO&#8322;eq / 1k)</th></tr></thead>
<tbody></tbody>
</table>
<div id="comparison-plot"></div>

<h2>Provenance</h2>
@@PROVENANCE@@
<script type="application/json" id="explorer-data">@@DATA@@</script>
<script>@@SCRIPT@@</script>
</body>
</html>
"""

SCRIPT = r"""
"use strict";
const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
const FILTERS = ["task", "model_kind", "dataset"];
const KIND_LABEL = {task_specific: "task-specific", multi_purpose: "multi-purpose"};
const BANDS = 5;

function byId(id) { return document.getElementById(id); }
function esc(text) {
  const entity = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  return String(text).replace(/[&<>"']/g, c => entity[c]);
}
// Exponents below 1e-3 kWh: "9.84e-6" reads faster than "0.00000984".
function fmt(value) {
  if (value === null) return "\u2013";
  const v = Number(value);
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(2) : v.toPrecision(3);
}
function fmtScore(value) { return value === null ? "\u2013" : Number(value).toFixed(3); }
function fmtCount(n) {
  if (n === null) return "\u2013";
  const units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [size, unit] of units) {
    if (n >= size) return (n / size).toPrecision(3) + "\u202f" + unit;
  }
  return String(n);
}
function starText(n) {
  return n === null ? "\u2013" : "\u2605".repeat(n) + "\u2606".repeat(BANDS - n);
}

// An empty field (e.g. the model of a task-level comparison row) matches every filter value.
function matches(row, filter) {
  return Object.keys(filter).every(k => filter[k] === "all" || !row[k] || row[k] === filter[k]);
}
function currentFilter(keys) {
  const filter = {};
  for (const key of keys) filter[key] = byId("filter-" + key).value;
  return filter;
}

function row(values, attributes) {
  const tr = document.createElement("tr");
  for (const [name, value] of Object.entries(attributes)) tr.setAttribute(name, value);
  for (const [text, cls, title] of values) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    if (title) td.title = title;
    tr.appendChild(td);
  }
  return tr;
}

function cellRow(c) {
  const quality = Object.entries(c.quality).map(([m, v]) => m + " " + fmtScore(v)).join(", ");
  const stars = c.stars === null ? "" : c.stars + " of " + BANDS + " stars";
  return row([
    [c.task], [c.model], [KIND_LABEL[c.model_kind] || c.model_kind], [c.dataset],
    [fmtCount(c.parameters), "num", c.parameters === null ? "" : String(c.parameters)],
    [fmt(c.energy_kwh_per_1k), "num"], [fmt(c.emissions_g_per_1k), "num"],
    [quality || "\u2013", "quality"], [starText(c.stars), "stars", stars],
  ], {"data-cell": c.task + "|" + c.model + "|" + c.dataset, "data-stars": c.stars ?? ""});
}

function comparisonRow(r) {
  const ratio = r.energy_ratio === null ? "\u2013" : "\u00d7" + fmt(r.energy_ratio);
  return row([
    [r.level], [r.task], [KIND_LABEL[r.model_kind] || r.model_kind || "all"], [r.model || "\u2013"],
    [fmt(r.ours_energy_kwh_per_1k), "num"], [fmt(r.paper_energy_kwh_per_1k), "num"],
    [ratio, "num"], [fmt(r.ours_emissions_g_per_1k), "num"],
    [fmt(r.paper_emissions_g_per_1k), "num"],
  ], {"data-comparison": r.level + "|" + r.task + "|" + r.model_kind + "|" + r.model});
}

function fillTable(id, rows) {
  const body = byId(id).querySelector("tbody");
  body.replaceChildren(...rows);
  byId(id).hidden = rows.length === 0;
}

function note(id, text) { byId(id).textContent = text; byId(id).hidden = !text; }

// ---- SVG scatter, written as markup (no namespace URI needed inside an HTML document) ----
const W = 720, H = 420, M = {left: 80, right: 170, top: 20, bottom: 56};
const X0 = M.left, X1 = W - M.right, Y0 = H - M.bottom, Y1 = M.top;

function tag(name, attributes, content) {
  const text = Object.entries(attributes).map(([k, v]) => ` ${k}="${esc(v)}"`).join("");
  return `<${name}${text}>${content ?? ""}</${name}>`;
}

function decades(values) {
  let lo = Math.floor(Math.log10(Math.min(...values)));
  let hi = Math.ceil(Math.log10(Math.max(...values)));
  if (hi === lo) { lo -= 1; hi += 1; }
  return [lo, hi];
}
function linear(lo, hi, a, b) { return v => a + (v - lo) / (hi - lo) * (b - a); }

function ticks(domain, log) {
  const out = [];
  if (log) for (let k = domain[0]; k <= domain[1]; k++) out.push([k, "1e" + k]);
  else for (let v = domain[0]; v <= domain[1] + 1e-9; v += 0.25) out.push([v, v.toFixed(2)]);
  return out;
}

function xAxis(domain, toPixel) {
  return ticks(domain, true).map(([v, label]) => {
    const x = toPixel(v);
    return tag("line", {class: "grid", x1: x, x2: x, y1: Y1, y2: Y0}) +
      tag("text", {x: x, y: Y0 + 16, "text-anchor": "middle"}, label);
  }).join("");
}

function yAxis(domain, log, toPixel) {
  return ticks(domain, log).map(([v, label]) => {
    const y = toPixel(v);
    return tag("line", {class: "grid", x1: X0, x2: X1, y1: y, y2: y}) +
      tag("text", {x: X0 - 6, y: y + 4, "text-anchor": "end"}, label);
  }).join("");
}

function legend(kinds) {
  return kinds.map((kind, i) => {
    const y = Y1 + 10 + i * 20, x = X1 + 16;
    return tag("circle", {class: kind, cx: x, cy: y, r: 5}) +
      tag("text", {x: x + 10, y: y + 4}, esc(KIND_LABEL[kind] || kind));
  }).join("");
}

function axisLabels(xLabel, yLabel) {
  const middleY = (Y1 + Y0) / 2;
  return tag("line", {class: "axis", x1: X0, x2: X1, y1: Y0, y2: Y0}) +
    tag("line", {class: "axis", x1: X0, x2: X0, y1: Y1, y2: Y0}) +
    tag("text", {x: (X0 + X1) / 2, y: H - 12, "text-anchor": "middle"}, esc(xLabel)) +
    tag("text", {transform: `translate(18 ${middleY}) rotate(-90)`, "text-anchor": "middle"},
        esc(yLabel));
}

// points: [{x, y, kind, label}]; x is always on a log scale, y too when yLog (then the axes share
// their decades, so the dashed diagonal is "ours = paper").
function scatter(points, xLabel, yLabel, yLog) {
  const xd = decades(yLog ? points.flatMap(p => [p.x, p.y]) : points.map(p => p.x));
  const yd = yLog ? xd : [0, 1];
  const xs = linear(xd[0], xd[1], X0, X1), ys = linear(yd[0], yd[1], Y0, Y1);
  const dots = points.map(p => tag("circle", {
    class: p.kind, cx: xs(Math.log10(p.x)), cy: ys(yLog ? Math.log10(p.y) : p.y), r: 5,
  }, tag("title", {}, esc(p.label)))).join("");
  const diagonal = !yLog ? "" :
    tag("line", {class: "diagonal", x1: X0, y1: Y0, x2: X1, y2: Y1}) +
    tag("text", {x: X1 - 4, y: Y1 + 14, "text-anchor": "end"}, "ours = paper");
  const kinds = [...new Set(points.map(p => p.kind))].sort();
  return tag("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img"},
    xAxis(xd, xs) + yAxis(yd, yLog, ys) + axisLabels(xLabel, yLabel) + diagonal + dots +
    legend(kinds));
}

function drawQualityScatter(cells) {
  const scored = cells.filter(c => c.headline_value !== null && c.energy_kwh_per_1k > 0);
  const tasks = [...new Set(scored.map(c => c.task))];
  byId("scatter-caption").textContent = scored.length === 0
    ? "No cell in the selection has a quality score (text and image generation have none)."
    : "One point per scored cell; quality is each task's headline metric: " +
      tasks.map(t => t + " \u2192 " + DATA.headline_metrics[t]).join(", ") + ".";
  const points = scored.map(c => ({
    x: c.energy_kwh_per_1k, y: c.headline_value, kind: c.model_kind,
    label: `${c.model} on ${c.dataset} (${c.task}): ${fmt(c.energy_kwh_per_1k)} kWh / 1k, ` +
           `${c.headline_metric} ${fmtScore(c.headline_value)}`,
  }));
  byId("scatter").innerHTML = points.length === 0 ? "" : scatter(
    points, "energy per 1,000 inferences (kWh, log scale)", "quality (headline metric, 0\u20131)",
    false);
}

function comparisonNote(rows) {
  if (DATA.comparison.length === 0) {
    return "No comparison with the paper: the comparison table is absent or empty.";
  }
  if (rows.length === 0) return "No comparison row matches the selection.";
  if (!rows.some(r => r.level === "model")) {
    return "Task-level rows only: no model of this run has the name of one of the paper's.";
  }
  return "";
}

function drawComparison(rows) {
  fillTable("comparison", rows.map(comparisonRow));
  note("comparison-note", comparisonNote(rows));
  const points = rows
    .filter(r => r.ours_energy_kwh_per_1k > 0 && r.paper_energy_kwh_per_1k > 0)
    .map(r => ({
      x: r.paper_energy_kwh_per_1k, y: r.ours_energy_kwh_per_1k, kind: r.model_kind || "all",
      label: `${r.task}${r.model ? " / " + r.model : ""}: ours ${fmt(r.ours_energy_kwh_per_1k)}, ` +
             `paper ${fmt(r.paper_energy_kwh_per_1k)} kWh / 1k`,
    }));
  byId("comparison-plot").innerHTML = points.length === 0 ? "" : scatter(
    points, "paper: energy per 1,000 inferences (kWh, log scale)", "ours (kWh, log scale)", true);
}

function update() {
  const filter = currentFilter(FILTERS);
  const cells = DATA.cells.filter(c => matches(c, filter));
  fillTable("cells", cells.map(cellRow));
  byId("cell-count").textContent = `showing ${cells.length} of ${DATA.cells.length} cells`;
  if (DATA.cells.length === 0) note("cells-note", "No measured cells: the cell summary is empty.");
  else note("cells-note", cells.length === 0 ? "No cell matches the selection." : "");
  drawQualityScatter(cells);
  drawComparison(DATA.comparison.filter(r => matches(r, currentFilter(["task", "model_kind"]))));
  writeFragment(filter);
}

// The fragment mirrors the filters, so a view can be bookmarked, shared, or preset by a test.
function writeFragment(filter) {
  const chosen = Object.entries(filter).filter(([, v]) => v !== "all");
  const url = chosen.length ? "#" + new URLSearchParams(chosen) : location.pathname;
  try { history.replaceState(null, "", url); }
  catch (error) { /* some file:// contexts refuse; the filters work without it */ }
}

function applyFragment() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  for (const key of FILTERS) {
    const select = byId("filter-" + key);
    const value = wanted.get(key);
    const known = [...select.options].some(o => o.value === value);
    select.value = known ? value : "all";
  }
  // Dispatched like a user's choice, so the fragment exercises the same handler.
  byId("filter-task").dispatchEvent(new Event("change"));
}

function fillSelect(key) {
  const select = byId("filter-" + key);
  for (const value of [...new Set(DATA.cells.map(c => c[key]))].sort()) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = KIND_LABEL[value] || value;
    select.appendChild(option);
  }
  select.disabled = DATA.cells.length === 0;
  select.addEventListener("change", update);
}

FILTERS.forEach(fillSelect);
window.addEventListener("hashchange", applyFragment);
applyFragment();
"""
