"""The results explorer: one static, self-contained HTML page (successor of the paper's demo).

The page must open from a results archive years later, on a machine without network or server,
so everything travels inside the one file: the data as JSON in a ``<script
type="application/json">`` tag, vanilla JavaScript and CSS inline, no external URL at all (SVG
is written as markup, so not even its namespace URI appears; the CSV download is built in the
page). Everything that is a decision about the numbers (star ratings and when to withhold them,
which quality metric a task plots, what an empty value means, the units and their factors) is
made in Python, where it is unit-tested; the JavaScript only filters, sorts, converts by the
factors it is given and draws.

The view can be preset from the URL fragment (``explorer.html#scenario=bs8-bf16&task=
summarization&model_kind=multi_purpose&dataset=news_articles&unit=j_per_one&sort=
-energy_kwh_per_1k``; without `scenario`, the default scenario's cells): a shareable view,
and what the headless-browser tests use to drive the same code path as a user's choice.

Modules: `records` (tables → JSON-able payload: cells, star ratings, the deployment scenarios,
the hardware and software setups, the page's constants), `tables` (optional input files and
their provenance), `page` (jinja2 rendering of ``templates/`` and the atomic write).
"""

from powerhungry.explorer.page import build_explorer, inline_json, render_explorer
from powerhungry.explorer.records import (
    cell_records,
    comparison_records,
    distinguishable_stars,
    explorer_payload,
    headline_metric,
    headline_metrics_by_task,
    quality_by_cell,
    scenario_records,
    setup_records,
    star_ratings,
)
from powerhungry.explorer.tables import read_optional_table, table_provenance

__all__ = [
    "build_explorer",
    "cell_records",
    "comparison_records",
    "distinguishable_stars",
    "explorer_payload",
    "headline_metric",
    "headline_metrics_by_task",
    "inline_json",
    "quality_by_cell",
    "read_optional_table",
    "render_explorer",
    "scenario_records",
    "setup_records",
    "star_ratings",
    "table_provenance",
]
