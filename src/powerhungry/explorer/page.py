"""The explorer page: the payload rendered into one self-contained HTML file with jinja2.

The templates ship inside the package (``templates/``, package data in pyproject.toml) and are
found through it, never through a checkout path: ``explorer.html.j2`` is the page, and it inlines
``explorer.css`` and ``explorer.js`` verbatim (read as plain files, not parsed as templates, so
they stay ordinary CSS and JavaScript). HTML text (title, provenance) is autoescaped; the data
travels as a JSON island escaped by `inline_json`; the constants the script needs (star bands,
units, columns) travel inside it (`records.page_settings`), so the script repeats none of them.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from powerhungry.explorer import records
from powerhungry.files import write_atomic

PAGE_TEMPLATE = "explorer.html.j2"


def inline_json(payload: Mapping[str, Any]) -> str:
    """The payload as compact JSON text that is safe inside a <script> element: no '<', '>' or '&'
    can end it or open a comment, whatever a model or dataset name holds (they become \\u escapes,
    which JSON.parse reads back); NaN is refused with ValueError (JSON has none)."""
    text = json.dumps(payload, allow_nan=False, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


@functools.cache
def page_environment() -> jinja2.Environment:
    """The jinja2 environment of the page: templates from this package's ``templates/`` folder,
    HTML autoescaping on, undefined names an error, and ``inline_file(name)`` to inline a file of
    that folder verbatim (the page's CSS and script)."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("powerhungry.explorer", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )

    def inline_file(name: str) -> str:
        source, _filename, _uptodate = environment.loader.get_source(environment, name)
        return source

    environment.globals["inline_file"] = inline_file
    return environment


def limit_text(max_relative_halfwidth: float | None) -> str:
    """The imprecision limit as the page's text says it ("10%"), or, unknown, what it is."""
    if max_relative_halfwidth is None:
        return "the configured share (summary.max_relative_halfwidth)"
    return f"{max_relative_halfwidth:.0%}"


def render_explorer(
    payload: Mapping[str, Any],
    title: str,
    provenance: Mapping[str, str],
    runs: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The whole page as one string (no I/O, so tests can inspect it).

    In: `explorer_payload`'s data, the page title (plain text), provenance lines ({label:
    text}, shown in order) and the comparison's setup rows (property, paper, ours, differs;
    none: not shown). Out: the HTML document, with CSS, script and data inlined.
    """
    settings = payload["settings"]
    return (
        page_environment()
        .get_template(PAGE_TEMPLATE)
        .render(
            title=title,
            provenance=provenance,
            data_json=inline_json(payload),
            star_bands=settings["star_bands"],
            limit=limit_text(settings["max_relative_halfwidth"]),
            runs=runs,
        )
    )


def build_explorer(
    cells: pd.DataFrame | None,
    quality: pd.DataFrame | None,
    comparison: pd.DataFrame | None,
    out: Path,
    title: str = "Power Hungry Processing: results explorer",
    provenance: Mapping[str, str] | None = None,
    measurements: pd.DataFrame | None = None,
    max_relative_halfwidth: float | None = None,
    comparison_setup: pd.DataFrame | None = None,
) -> None:
    """Write the explorer page to `out` atomically (nothing is returned).

    In: the cell summary, the long quality table, the ours-vs-paper comparison and the
    measurement rows (for the hardware and software panel, and the settings each scenario was
    measured with), see `explorer_payload`; the page
    title and provenance lines; the share of the mean over which the summary marked a 95%
    half-width imprecise; what differs between the paper's run and ours (comparison_setup.csv,
    shown beside the comparison: the paper's hardware and carbon intensity beside ours). Any
    table may be None or empty: the page then says so instead of the build failing (a run
    without quality scores or a paper comparison is still worth exploring).
    """
    payload = records.explorer_payload(
        cells, quality, comparison, measurements, max_relative_halfwidth
    )
    runs = [] if comparison_setup is None else comparison_setup.fillna("").to_dict("records")
    page = render_explorer(payload, title, provenance or {}, runs)
    write_atomic(out, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
