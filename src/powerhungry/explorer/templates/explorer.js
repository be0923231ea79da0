"use strict";
const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
const FILTERS = ["task", "model_kind", "dataset"];
const KIND_LABEL = {task_specific: "task-specific", multi_purpose: "multi-purpose"};
// Star bands per task, from the Python side (STAR_BANDS) through the page's markup.
const BANDS = Number(document.body.dataset.starBands);

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
    [c.task], [c.model], [KIND_LABEL[c.model_kind] || c.model_kind], substituted(c),
    [fmtCount(c.parameters), "num", c.parameters === null ? "" : String(c.parameters)],
    [fmt(c.energy_kwh_per_1k), "num"], [fmt(c.emissions_g_per_1k), "num"],
    [quality || "\u2013", "quality"], [starText(c.stars), "stars", stars],
  ], {"data-cell": c.task + "|" + c.model + "|" + c.dataset, "data-stars": c.stars ?? ""});
}

const SUBSTITUTE_NOTE = "\u2020 read from a substitute for the paper's dataset, which cannot " +
  "be had today (hover a marked name for the source read).";

// A dataset read from a substitute for the paper's: marked, and the repository read named.
function substituted(c) {
  if (!c.dataset_substitute) return [c.dataset];
  return [c.dataset + " \u2020", "substituted", "substitute: read from " + c.dataset_substitute];
}

function comparisonRow(r) {
  const ratio = r.energy_ratio === null ? "\u2013" : "\u00d7" + fmt(r.energy_ratio);
  return row([
    [r.level],
    r.substituted_datasets
      ? [r.task + " \u2020", "substituted", "substitutes read: " + r.substituted_datasets]
      : [r.task],
    [KIND_LABEL[r.model_kind] || r.model_kind || "all"], [r.model || "\u2013"],
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
  else if (cells.length === 0) note("cells-note", "No cell matches the selection.");
  else note("cells-note", cells.some(c => c.dataset_substitute) ? SUBSTITUTE_NOTE : "");
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
