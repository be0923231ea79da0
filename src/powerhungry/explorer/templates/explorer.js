"use strict";
const DATA = JSON.parse(document.getElementById("explorer-data").textContent);
// Every constant of the page (star bands, units, columns) comes from the Python side, in the data.
const SETTINGS = DATA.settings;
const BANDS = SETTINGS.star_bands;
const FILTERS = ["scenario", "task", "model_kind", "dataset"];
const KIND_LABEL = SETTINGS.kind_labels;
const DASH = "\u2013";
// The table's order: a column's key and direction once a header was clicked, else the data's.
const order = {key: null, descending: false};

function byId(id) { return document.getElementById(id); }
function esc(text) {
  const entity = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  return String(text).replace(/[&<>"']/g, c => entity[c]);
}
// Exponents outside 1e-3..1e5: "9.84e-6" reads faster than "0.00000984".
function fmt(value) {
  if (value === null) return DASH;
  const v = Number(value);
  const exponent = v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5);
  return exponent ? v.toExponential(2) : v.toPrecision(3);
}
function fmtScore(value) { return value === null ? DASH : Number(value).toFixed(3); }
function fmtCount(n) {
  const units = [[1e9, "B"], [1e6, "M"], [1e3, "k"]];
  for (const [size, unit] of units) {
    if (n >= size) return (n / size).toPrecision(3) + "\u202f" + unit;
  }
  return String(n);
}
function starText(n) { return "\u2605".repeat(n) + "\u2606".repeat(BANDS - n); }

// ---- energy units: the data's kWh per 1,000 of something, shown in the unit chosen ----
function currentUnit() {
  return SETTINGS.energy_units.find(u => u.key === byId("unit").value) ||
    SETTINGS.energy_units[0];
}
function unitLabel(unit, per) {
  const [one, many] = SETTINGS.per_unit[per];
  return unit.label.replace("{plural}", many).replace("{singular}", one);
}
function inUnit(value, unit) { return value === null ? null : value * unit.factor; }

// An empty field (e.g. the model of a task-level comparison row) matches every filter value.
function matches(row, filter) {
  return Object.keys(filter).every(k => filter[k] === "all" || !row[k] || row[k] === filter[k]);
}
// What a filter shows until one is chosen: the default scenario (the protocol's own settings,
// the paper's view), and every task, kind and dataset.
function filterDefault(key) { return key === "scenario" ? SETTINGS.default_scenario : "all"; }
function currentFilter(keys) {
  const filter = {};
  for (const key of keys) filter[key] = byId("filter-" + key).value;
  return filter;
}

function td(text, cls, title) {
  const cell = document.createElement("td");
  cell.textContent = text;
  if (cls) cell.className = cls;
  if (title) cell.title = title;
  return cell;
}
function missing(column) { return td(column.missing, "missing"); }

// A visible mark whose reason shows on hover (and to screen readers).
function mark(note) {
  const span = document.createElement("span");
  span.className = "mark";
  span.textContent = "\u26a0";
  span.title = note;
  span.setAttribute("aria-label", note);
  return span;
}

// One renderer per column kind of SETTINGS.cell_columns: the record and unit → a <td>.
const RENDER = {
  text: (c, col) => td(c[col.key]),
  model_kind: (c, col) => td(KIND_LABEL[c[col.key]] || c[col.key]),
  // A dataset read from a substitute for the paper's: marked, and the repository read named.
  dataset: c => c.dataset_substitute
    ? td(c.dataset + " \u2020", "substituted", "substitute: read from " + c.dataset_substitute)
    : td(c.dataset),
  count: (c, col) => c[col.key] === null ? missing(col)
    : td(fmtCount(c[col.key]), "num", String(c[col.key])),
  number: (c, col) => c[col.key] === null ? missing(col) : td(fmt(c[col.key]), "num"),
  energy: (c, col, unit) => {
    if (c[col.key] === null) return missing(col);
    const halfwidth = col.halfwidth ? c[col.halfwidth] : null;
    const cell = td(fmt(inUnit(c[col.key], unit)) +
      (halfwidth === null ? "" : " \u00b1 " + fmt(inUnit(halfwidth, unit))), "num");
    cell.dataset.value = inUnit(c[col.key], unit);
    if (col.mark && c[col.mark]) {
      cell.append(" ", mark(c[col.mark]));
      cell.classList.add("marked");
    }
    return cell;
  },
  units_of_work: (c, col, unit) => {
    const lines = Object.entries(SETTINGS.units_of_work).filter(([key]) => c[key] !== null)
      .map(([key, per]) => fmt(inUnit(c[key], unit)) + " " + unitLabel(unit, per));
    return lines.length ? td(lines.join("\n"), "units") : missing(col);
  },
  // The task's headline metric; every metric scored on hover (and in the CSV).
  quality: (c, col) => {
    if (c.headline_value === null) return missing(col);
    const scores = Object.entries(c.quality).map(([m, v]) => m + " " + fmtScore(v));
    return td(c.headline_metric + " " + fmtScore(c.headline_value), "quality", scores.join(", "));
  },
  stars: c => {
    const cell = c.stars === null
      ? td("\u2014", "stars unrated", c.stars_reason)
      : td(starText(c.stars), "stars", c.stars + " of " + BANDS + " stars");
    cell.dataset.stars = c.stars ?? "";
    return cell;
  },
};

function cellRow(c, unit) {
  const tr = document.createElement("tr");
  tr.dataset.cell = c.task + "|" + c.model + "|" + c.dataset;
  tr.dataset.scenario = c.scenario;
  for (const col of SETTINGS.cell_columns) tr.appendChild(RENDER[col.kind](c, col, unit));
  return tr;
}

// ---- sorting: by the record's value of the clicked column; empty values always last ----
const SORTABLE = new Set(["text", "model_kind", "dataset", "count", "number", "energy",
                          "quality", "stars"]);
function sortKey(col) { return col.kind === "quality" ? "headline_value" : col.key; }

function sorted(cells) {
  if (order.key === null) return cells;
  const col = SETTINGS.cell_columns.find(c => c.key === order.key);
  const key = sortKey(col), sign = order.descending ? -1 : 1;
  return [...cells].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === null || y === null) return (x === null) - (y === null);
    return sign * (typeof x === "number" ? x - y : String(x).localeCompare(String(y)));
  });
}

function header(col, unit) {
  const what = col.kind === "energy" ? " (" + unitLabel(unit, col.per) + ")" : "";
  const th = document.createElement("th");
  th.dataset.key = col.key;
  th.dataset.label = col.label + what;
  if (!SORTABLE.has(col.kind)) { th.textContent = th.dataset.label; return th; }
  const button = document.createElement("button");
  button.type = "button";
  button.className = "sort";
  const active = order.key === col.key;
  const arrow = active ? (order.descending ? " \u25bc" : " \u25b2") : "";
  button.textContent = col.label + what + arrow;
  th.setAttribute("aria-sort", active ? (order.descending ? "descending" : "ascending") : "none");
  button.addEventListener("click", () => {
    order.descending = active && !order.descending;
    order.key = col.key;
    update();
    // The headers were drawn anew: keep the keyboard's place on the one just used.
    document.querySelector(`#cells th[data-key="${col.key}"] button`).focus();
  });
  th.appendChild(button);
  return th;
}

// Each cell also carries its column's header, which a narrow screen shows beside it (cards).
function fillTable(id, rows) {
  const labels = [...byId(id).querySelectorAll("thead th")]
    .map(th => th.dataset.label || th.textContent);
  for (const tr of rows) [...tr.cells].forEach((cell, i) => { cell.dataset.label = labels[i]; });
  byId(id).querySelector("tbody").replaceChildren(...rows);
  byId(id).hidden = rows.length === 0;
}

function note(id, text) { byId(id).textContent = text; byId(id).hidden = !text; }

// ---- the CSV download: the rows shown, in their order, energies in the unit shown ----
function csvField(value) {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}
function csvName(col, unit) {
  if (!col.per) return col.name;
  const [one, many] = SETTINGS.per_unit[col.per].map(w => w.replace(/ /g, "_"));
  return col.name.replace("{unit}", unit.csv.replace("{plural}", many).replace("{singular}", one));
}
function csvValue(c, col, unit) {
  if (col.key === "quality") {
    return Object.entries(c.quality).map(([m, v]) => m + "=" + v).join("; ");
  }
  return col.per ? inUnit(c[col.key], unit) : c[col.key];
}
function csvText(cells, unit) {
  const lines = [SETTINGS.csv_columns.map(col => csvField(csvName(col, unit))).join(",")];
  for (const c of cells) {
    lines.push(SETTINGS.csv_columns.map(col => csvField(csvValue(c, col, unit))).join(","));
  }
  return lines.join("\r\n") + "\r\n";
}
let shown = [];
function downloadCsv() {
  const unit = currentUnit();
  const blob = new Blob([csvText(shown, unit)], {type: "text/csv"});
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = "explorer-cells-" + unit.key + ".csv";
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

// ---- the hardware and software each setup of the measurements ran on ----
function drawSetups() {
  const setups = DATA.setups;
  note("setups-note", setups.length ? "" :
    "No measurement table: the hardware and software the cells ran on are not known here.");
  byId("setups").replaceChildren(...setups.map((setup, i) => {
    const section = document.createElement("section");
    section.className = "setup";
    const title = document.createElement("h3");
    const cells = setup.cells + (setup.cells === 1 ? " cell" : " cells");
    title.textContent = setups.length === 1 ? "All " + cells
      : `Setup ${i + 1} of ${setups.length}: ${cells}`;
    const list = document.createElement("dl");
    for (const [label, value] of setup.fields) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = value;
      list.append(dt, dd);
    }
    section.append(title, list);
    return section;
  }));
}

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
// their decades, so the dashed diagonal is "ours = paper"). Each point's label is its hover
// label (data-tip), also read out by screen readers and reached with the keyboard.
function scatter(points, xLabel, yLabel, yLog) {
  const xd = decades(yLog ? points.flatMap(p => [p.x, p.y]) : points.map(p => p.x));
  const yd = yLog ? xd : [0, 1];
  const xs = linear(xd[0], xd[1], X0, X1), ys = linear(yd[0], yd[1], Y0, Y1);
  const dots = points.map(p => tag("circle", {
    class: p.kind + " point", cx: xs(Math.log10(p.x)), cy: ys(yLog ? Math.log10(p.y) : p.y),
    r: 5, tabindex: 0, "data-tip": p.label, "aria-label": p.label,
  })).join("");
  const diagonal = !yLog ? "" :
    tag("line", {class: "diagonal", x1: X0, y1: Y0, x2: X1, y2: Y1}) +
    tag("text", {x: X1 - 4, y: Y1 + 14, "text-anchor": "end"}, "ours = paper");
  const kinds = [...new Set(points.map(p => p.kind))].sort();
  return tag("svg", {width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img"},
    xAxis(xd, xs) + yAxis(yd, yLog, ys) + axisLabels(xLabel, yLabel) + diagonal + dots +
    legend(kinds));
}

function drawQualityScatter(cells, unit) {
  const scored = cells.filter(c => c.headline_value !== null && c.energy_kwh_per_1k > 0);
  const tasks = [...new Set(scored.map(c => c.task))];
  const energyUnit = unitLabel(unit, "inference");
  byId("scatter-caption").textContent = scored.length === 0
    ? "No cell in the selection has a quality score (text and image generation have none)."
    : "One point per scored cell (hover one for its model and numbers); quality is each " +
      "task's headline metric: " +
      tasks.map(t => t + " \u2192 " + DATA.headline_metrics[t]).join(", ") + ".";
  const points = scored.map(c => ({
    x: inUnit(c.energy_kwh_per_1k, unit), y: c.headline_value, kind: c.model_kind,
    label: `${c.model} on ${c.dataset} (${c.task}): ${fmt(inUnit(c.energy_kwh_per_1k, unit))} ` +
           `${energyUnit}, ${c.headline_metric} ${fmtScore(c.headline_value)}`,
  }));
  byId("scatter").innerHTML = points.length === 0 ? "" : scatter(
    points, `energy (${energyUnit}, log scale)`, "quality (headline metric, 0\u20131)", false);
}

// An energy with its 95% half-width where the comparison gives one.
function withHalfwidth(value, halfwidth, unit) {
  const text = fmt(inUnit(value, unit));
  if (value === null || halfwidth === null) return text;
  return text + " \u00b1 " + fmt(inUnit(halfwidth, unit));
}

// The ratio ours / paper and its 95% interval; said so where the interval includes 1.
function ratioText(r) {
  if (r.energy_ratio === null) return DASH;
  const interval = r.energy_ratio_low_95 === null ? ""
    : ` (${fmt(r.energy_ratio_low_95)}\u2013${fmt(r.energy_ratio_high_95)})`;
  const same = r.distinguishable === false ? ", not told apart from 1" : "";
  return "\u00d7" + fmt(r.energy_ratio) + interval + same;
}

function comparisonRow(r, unit) {
  const tr = document.createElement("tr");
  tr.dataset.comparison = [r.level, r.task, r.model_kind, r.model, r.dataset].join("|");
  tr.append(
    td(r.level),
    r.substituted_datasets
      ? td(r.task + " \u2020", "substituted", "substitutes read: " + r.substituted_datasets)
      : td(r.task),
    td(KIND_LABEL[r.model_kind] || r.model_kind || "all"), td(r.model || DASH),
    td(r.dataset || DASH),
    td(withHalfwidth(r.ours_energy_kwh_per_1k, r.ours_energy_kwh_per_1k_halfwidth_95, unit),
       "num"),
    td(withHalfwidth(r.paper_energy_kwh_per_1k, r.paper_energy_kwh_per_1k_halfwidth_95, unit),
       "num"),
    td(ratioText(r), "num"),
    td(fmt(r.ours_emissions_g_per_1k), "num"), td(fmt(r.paper_emissions_g_per_1k), "num"),
  );
  return tr;
}

function comparisonNote(rows, scenario) {
  if (DATA.comparison.length === 0) {
    return "No comparison with the paper: the comparison table is absent or empty.";
  }
  if (rows.length === 0 && !DATA.comparison.some(r => matches(r, {scenario: scenario}))) {
    return `Scenario ${scenario} is not compared with the paper, which measured its own ` +
      `protocol only: choose scenario ${SETTINGS.default_scenario} to compare.`;
  }
  if (rows.length === 0) return "No comparison row matches the selection.";
  if (rows.every(r => r.level === "task")) {
    return "Task-level rows only: no model of this run has the name of one of the paper's.";
  }
  return "";
}

function drawComparison(rows, unit, scenario) {
  for (const th of document.querySelectorAll("#comparison th.unit-header")) {
    th.textContent = `${th.dataset.name} (${unitLabel(unit, th.dataset.per)})`;
  }
  fillTable("comparison", rows.map(r => comparisonRow(r, unit)));
  note("comparison-note", comparisonNote(rows, scenario));
  const energyUnit = unitLabel(unit, "inference");
  // One level per chart, the finest shown (cells, else models, else tasks): never a model and
  // its own cells as separate points.
  const finest = ["cell", "model", "task"].find(level => rows.some(r => r.level === level));
  const points = rows
    .filter(r => r.level === finest)
    .filter(r => r.ours_energy_kwh_per_1k > 0 && r.paper_energy_kwh_per_1k > 0)
    .map(r => ({
      x: inUnit(r.paper_energy_kwh_per_1k, unit), y: inUnit(r.ours_energy_kwh_per_1k, unit),
      kind: r.model_kind || "all",
      label: `${r.level} ${r.task}${r.model ? " / " + r.model : ""}` +
             `${r.dataset ? " on " + r.dataset : ""}: ` +
             `ours ${fmt(inUnit(r.ours_energy_kwh_per_1k, unit))}, ` +
             `paper ${fmt(inUnit(r.paper_energy_kwh_per_1k, unit))} ${energyUnit}`,
    }));
  byId("comparison-plot").innerHTML = points.length === 0 ? "" : scatter(
    points, `paper: energy (${energyUnit}, log scale)`, "ours (same unit, log scale)", true);
}

const SUBSTITUTE_NOTE = "\u2020 read from a substitute for the paper's dataset, which cannot " +
  "be had today (hover a marked name for the source read).";

function update() {
  const filter = currentFilter(FILTERS), unit = currentUnit();
  const cells = sorted(DATA.cells.filter(c => matches(c, filter)));
  shown = cells;
  byId("cells").querySelector("thead tr")
    .replaceChildren(...SETTINGS.cell_columns.map(col => header(col, unit)));
  fillTable("cells", cells.map(c => cellRow(c, unit)));
  byId("cell-count").textContent = `showing ${cells.length} of ${DATA.cells.length} cells`;
  byId("download-csv").disabled = cells.length === 0;
  if (DATA.cells.length === 0) note("cells-note", "No measured cells: the cell summary is empty.");
  else if (cells.length === 0) note("cells-note", "No cell matches the selection.");
  else note("cells-note", cells.some(c => c.dataset_substitute) ? SUBSTITUTE_NOTE : "");
  drawQualityScatter(cells, unit);
  drawComparison(DATA.comparison.filter(r => matches(r, filter)), unit, filter.scenario);
  writeFragment(filter, unit);
}

// ---- hover labels: one tooltip element, shown beside the point under the pointer or focus ----
function showTip(target, x, y) {
  const tip = byId("tooltip");
  tip.textContent = target.dataset.tip;
  tip.hidden = false;
  const room = document.documentElement.clientWidth - tip.offsetWidth - 4;
  tip.style.left = Math.max(4, Math.min(x + 12, window.scrollX + room)) + "px";
  tip.style.top = y + 14 + "px";
}
function hideTip() { byId("tooltip").hidden = true; }

document.addEventListener("mouseover", event => {
  const target = event.target.closest("[data-tip]");
  if (target) showTip(target, event.pageX, event.pageY);
  else hideTip();
});
document.addEventListener("focusin", event => {
  const target = event.target.closest("[data-tip]");
  if (!target) return;
  const box = target.getBoundingClientRect();
  showTip(target, box.right + window.scrollX, box.bottom + window.scrollY);
});
document.addEventListener("focusout", hideTip);

// The fragment mirrors the view (filters, unit, sort), so it can be bookmarked, shared, or
// preset by a test.
function writeFragment(filter, unit) {
  const chosen = Object.entries(filter).filter(([k, v]) => v !== filterDefault(k));
  if (unit.key !== SETTINGS.energy_units[0].key) chosen.push(["unit", unit.key]);
  if (order.key !== null) chosen.push(["sort", (order.descending ? "-" : "") + order.key]);
  const url = chosen.length ? "#" + new URLSearchParams(chosen) : location.pathname;
  try { history.replaceState(null, "", url); }
  catch (error) { /* some file:// contexts refuse; the view works without it */ }
}

function choose(select, value) {
  const known = [...select.options].some(o => o.value === value);
  select.value = known ? value : select.options[0].value;
}

function applyFragment() {
  const wanted = new URLSearchParams(location.hash.slice(1));
  for (const key of FILTERS) choose(byId("filter-" + key), wanted.get(key) ?? filterDefault(key));
  choose(byId("unit"), wanted.get("unit"));
  const sort = wanted.get("sort") || "";
  const key = sort.replace(/^-/, "");
  const col = SETTINGS.cell_columns.find(c => c.key === key && SORTABLE.has(c.kind));
  order.key = col ? key : null;
  order.descending = Boolean(col) && sort.startsWith("-");
  // Dispatched like a user's choice, so the fragment exercises the same handler.
  byId("filter-task").dispatchEvent(new Event("change"));
}

function fillSelect(select, options) {
  for (const [value, label] of options) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.appendChild(option);
  }
  select.addEventListener("change", update);
}

// Scenarios in the data's order (the default first), each named with its settings.
fillSelect(byId("filter-scenario"), DATA.scenarios.map(s => [s.name, s.label]));
byId("filter-scenario").disabled = DATA.scenarios.length < 2;
for (const key of FILTERS.filter(k => k !== "scenario")) {
  const values = [...new Set(DATA.cells.map(c => c[key]))].sort();
  fillSelect(byId("filter-" + key), values.map(v => [v, KIND_LABEL[v] || v]));
  byId("filter-" + key).disabled = DATA.cells.length === 0;
}
fillSelect(byId("unit"), SETTINGS.energy_units.map(u => [u.key, unitLabel(u, "inference")]));
byId("download-csv").addEventListener("click", downloadCsv);
drawSetups();
window.addEventListener("hashchange", applyFragment);
applyFragment();
