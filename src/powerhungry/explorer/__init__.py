"""The results explorer: one static, self-contained HTML page (successor of the paper's demo).

The page must open from a results archive years later, on a machine without network or server,
so everything travels inside the one file: the data as JSON in a ``<script
type="application/json">`` tag, vanilla JavaScript and CSS inline, no external URL at all (SVG
is written as markup, so not even its namespace URI appears). Everything that is a decision about
the numbers (star ratings, which quality metric a task plots, sort order) is made in Python,
where it is unit-tested; the JavaScript only filters and draws what it is given.

Filters can be preset from the URL fragment (``explorer.html#task=summarization&model_kind=
multi_purpose&dataset=news_articles``): a shareable view, and what the headless-browser test
uses to drive the same code path as a user changing a ``<select>``.

Modules: `records` (tables → JSON-able payload, star ratings), `tables` (optional input files and
their provenance), `page` (jinja2 rendering of ``templates/`` and the atomic write).
STAR_BANDS lives in `records`.
"""

from powerhungry.explorer.page import build_explorer, inline_json, render_explorer
from powerhungry.explorer.records import (
    cell_records,
    comparison_records,
    explorer_payload,
    headline_metric,
    headline_metrics_by_task,
    quality_by_cell,
    star_ratings,
)
from powerhungry.explorer.tables import read_optional_table, table_provenance

__all__ = [
    "build_explorer",
    "cell_records",
    "comparison_records",
    "explorer_payload",
    "headline_metric",
    "headline_metrics_by_task",
    "inline_json",
    "quality_by_cell",
    "read_optional_table",
    "render_explorer",
    "star_ratings",
    "table_provenance",
]
