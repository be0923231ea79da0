"""The results explorer: star ratings and page content on small synthetic tables, then the page in
a real headless Chromium (filter through the URL fragment, count the visible rows, screenshot)."""

from __future__ import annotations

import json
import re
import runpy
import shutil
import struct
import subprocess
import sys
import tomllib
import zipfile
from fnmatch import fnmatch
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from browser import dump_dom, require_chromium, screenshot, visible_cells
from helpers import REPO

from powerhungry.explorer import (
    build_explorer,
    cell_records,
    comparison_records,
    explorer_payload,
    headline_metric,
    read_optional_table,
    records,
    render_explorer,
    star_ratings,
    table_provenance,
)
from powerhungry.explorer.page import PAGE_TEMPLATE, page_environment

ARTIFACTS = REPO / "test-artifacts"
PAYLOAD = re.compile(r'<script type="application/json" id="explorer-data">(.*?)</script>', re.S)


def cell(task, kind, model, dataset, energy, parameters=4_400_000):
    return dict(
        task=task,
        model_kind=kind,
        model=model,
        dataset=dataset,
        n_repetitions=3,
        model_parameters=parameters,
        energy_kwh_per_1k_mean=energy,
        emissions_g_per_1k_mean=energy * 369.5,
        energy_kwh_per_1k_std=energy / 10,
        energy_kwh_per_1k_halfwidth_95=energy / 4,
        relative_halfwidth_95=0.25,
    )


def score(task, kind, model, dataset, metric, value):
    return dict(
        task=task,
        model=model,
        model_kind=kind,
        dataset=dataset,
        metric=metric,
        value=value,
        n_samples=8,
        n_scored=8,
    )


TC, SUM, GEN = "text_classification", "summarization", "image_generation"
TS, MP = "task_specific", "multi_purpose"

# The demo's shapes: several datasets for one task, both kinds, a task without quality metrics.
CELLS = pd.DataFrame(
    [
        cell(TC, TS, "demo/tiny-bert-sentiment", "movie_reviews", 1.0e-5),
        cell(TC, TS, "demo/tiny-bert-sentiment", "short_reviews", 1.2e-5),
        cell(TC, MP, "demo/tiny-t5-instruct", "movie_reviews", 3.7e-4, 2_000_000),
        cell(SUM, TS, "demo/tiny-t5-summarizer", "news_articles", 6.2e-4, 1_500_000),
        cell(SUM, MP, "demo/tiny-gpt2-instruct", "news_articles", 1.5e-4, 900_000),
        cell(GEN, TS, "demo/tiny-stable-diffusion", "image_prompts", 2.4e-4, 3_000_000),
    ]
)
QUALITY = pd.DataFrame(
    [
        score(TC, TS, "demo/tiny-bert-sentiment", "movie_reviews", "accuracy", 0.5),
        score(TC, TS, "demo/tiny-bert-sentiment", "short_reviews", "accuracy", 0.625),
        score(TC, MP, "demo/tiny-t5-instruct", "movie_reviews", "accuracy", 0.0),
        *(
            score(SUM, kind, model, "news_articles", metric, value)
            for kind, model in [(TS, "demo/tiny-t5-summarizer"), (MP, "demo/tiny-gpt2-instruct")]
            for metric, value in [("rouge1", 0.2), ("rouge2", 0.05), ("rougeL", 0.15)]
        ),
    ]
)
COMPARISON = pd.DataFrame(
    [
        dict(
            level="task",
            task=task,
            model_kind=kind,
            model=float("nan"),  # what pandas reads from an empty field
            ours_energy_kwh_per_1k=ours,
            paper_energy_kwh_per_1k=paper,
            energy_ratio=ours / paper,
            ours_emissions_g_per_1k=ours * 369.5,
            paper_emissions_g_per_1k=paper * 400.0,
        )
        for task, kind, ours, paper in [(TC, TS, 1.1e-5, 0.002), (SUM, MP, 1.5e-4, 0.08)]
    ]
)


def payload_of(page: str) -> dict:
    match = PAYLOAD.search(page)
    assert match is not None, "no inlined data"
    return json.loads(match.group(1))


# --- stars -------------------------------------------------------------------------------


def test_stars_are_equal_linear_bands_of_each_tasks_range():
    # Task a spans 0..10 kWh: bands of 2; the lowest band is 5 stars, an edge goes up a band.
    energy = pd.Series([0.0, 1.9, 2.0, 5.0, 7.9, 9.9, 10.0, 3.0, 300.0])
    task = pd.Series(["a"] * 7 + ["b", "b"])
    assert star_ratings(energy, task).tolist() == [5, 5, 4, 3, 2, 1, 1, 5, 1]


def test_a_task_with_one_energy_gets_five_stars_and_no_energy_gets_none():
    stars = star_ratings(pd.Series([4.0, 4.0, 7.0, float("nan")]), pd.Series(list("aabc")))
    assert stars.iloc[:3].tolist() == [5, 5, 5]
    assert stars.isna().iloc[3]


def test_stars_ignore_other_tasks():
    # A very hungry model in another task must not lift this task's ratings.
    alone = star_ratings(pd.Series([1.0, 2.0]), pd.Series(["a", "a"]))
    mixed = star_ratings(pd.Series([1.0, 2.0, 1000.0]), pd.Series(["a", "a", "b"]))
    assert alone.tolist() == mixed.iloc[:2].tolist() == [5, 1]


# --- payload -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metrics", "expected"),
    [
        ({"exact_match", "f1"}, "f1"),
        ({"rouge1", "rouge2", "rougeL"}, "rougeL"),
        ({"entity_f1"}, "entity_f1"),
        ({"zeta", "alpha"}, "alpha"),  # an unknown task's metrics: deterministic fallback
        (set(), None),
    ],
)
def test_headline_metric(metrics, expected):
    assert headline_metric(metrics) == expected


def test_cell_records_carry_stars_quality_and_sizes():
    records = cell_records(CELLS, QUALITY)
    assert [r["task"] for r in records] == [GEN, SUM, SUM, TC, TC, TC]  # by task, then energy
    summarizer = next(r for r in records if r["model"] == "demo/tiny-t5-summarizer")
    assert summarizer["quality"] == {"rouge1": 0.2, "rouge2": 0.05, "rougeL": 0.15}
    assert (summarizer["headline_metric"], summarizer["headline_value"]) == ("rougeL", 0.15)
    assert summarizer["parameters"] == 1_500_000
    assert summarizer["emissions_g_per_1k"] == pytest.approx(6.2e-4 * 369.5)
    # Summarization spans 1.5e-4..6.2e-4: the gpt2 cell is the efficient end, the t5 the other.
    assert {r["model"]: r["stars"] for r in records if r["task"] == SUM} == {
        "demo/tiny-gpt2-instruct": 5,
        "demo/tiny-t5-summarizer": 1,
    }
    generation = records[0]
    assert (generation["quality"], generation["headline_value"], generation["stars"]) == (
        {},
        None,
        5,
    )


def test_tables_from_before_parameters_and_emissions_still_build():
    old = CELLS.drop(columns=["model_parameters", "emissions_g_per_1k_mean"])
    records = cell_records(old, None)
    assert all(r["parameters"] is None and r["emissions_g_per_1k"] is None for r in records)
    assert all(r["quality"] == {} for r in records)


def test_unscored_metrics_are_dropped():
    quality = QUALITY.assign(value=float("nan"))
    assert all(r["quality"] == {} for r in cell_records(CELLS, quality))


def test_a_cell_summary_without_energy_is_refused():
    with pytest.raises(ValueError, match="energy_kwh_per_1k_mean"):
        cell_records(CELLS.drop(columns=["energy_kwh_per_1k_mean"]), QUALITY)


def test_comparison_rows_are_plain_values():
    model_row = COMPARISON.iloc[[0]].assign(level="model", model="paper/model")
    rows = comparison_records(pd.concat([model_row, COMPARISON]))
    assert [(r["level"], r["task"]) for r in rows] == [("task", SUM), ("task", TC), ("model", TC)]
    assert rows[0]["model"] == ""  # NaN from an empty CSV field
    assert rows[0]["energy_ratio"] == pytest.approx(1.5e-4 / 0.08)
    assert comparison_records(None) == comparison_records(COMPARISON.iloc[:0]) == []


def test_optional_tables(tmp_path):
    empty, header_only = tmp_path / "empty.csv", tmp_path / "header.csv"
    empty.write_text("")
    header_only.write_text(",".join(COMPARISON.columns) + "\n")
    assert read_optional_table(None) is None
    assert read_optional_table(tmp_path / "absent.csv") is None
    assert read_optional_table(empty) is None
    assert read_optional_table(header_only).empty
    COMPARISON.to_csv(tmp_path / "comparison.csv", index=False)
    assert len(read_optional_table(tmp_path / "comparison.csv")) == 2


# --- page --------------------------------------------------------------------------------


def test_page_is_self_contained_and_carries_its_data(tmp_path):
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, COMPARISON, out, "Demo explorer", {"cells": "cell_summary.csv"})
    page = out.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    # Nothing fetched: no external script, style sheet, image or frame, no protocol-relative URL.
    assert not re.search(r"\b(src|href)\s*=|<link\b|<iframe\b|@import|url\(", page, re.I)
    assert not re.search(r"[\"'(]//", page)
    assert payload_of(page) == explorer_payload(CELLS, QUALITY, COMPARISON)
    assert "<title>Demo explorer</title>" in page and "<dd>cell_summary.csv</dd>" in page
    assert [p.name for p in tmp_path.iterdir()] == ["explorer.html"]  # no temporary file left


def test_names_cannot_break_out_of_the_page():
    hostile = "</script><script>alert(1)</script><!--"
    cells = CELLS.assign(model=hostile)
    page = render_explorer(explorer_payload(cells, None, None), "<b>&", {"k": "<i>"})
    assert page.count("</script>") == 2  # the data's own and the code's
    assert "<!--" not in page
    assert payload_of(page)["cells"][0]["model"] == hostile
    assert "<title>&lt;b&gt;&amp;</title>" in page and "<dd>&lt;i&gt;</dd>" in page


@pytest.mark.parametrize("cells", [pd.DataFrame(), CELLS.iloc[:0]])
def test_no_cells_still_gives_a_page(tmp_path, cells):
    out = tmp_path / "explorer.html"
    build_explorer(cells, pd.DataFrame(), None, out, "Empty run", {})
    page = out.read_text(encoding="utf-8")
    assert payload_of(page) == {"cells": [], "headline_metrics": {}, "comparison": []}
    assert "No measured cells" in page  # the text the page's script shows


def test_no_nan_reaches_the_page():
    cells = CELLS.assign(emissions_g_per_1k_mean=float("nan"), model_parameters=float("nan"))
    page = render_explorer(explorer_payload(cells, QUALITY, COMPARISON), "t", {})
    assert "NaN" not in page
    assert all(r["parameters"] is None for r in payload_of(page)["cells"])


def test_provenance_names_and_hashes_the_tables(tmp_path):
    CELLS.to_csv(tmp_path / "cells.csv", index=False)
    provenance = table_provenance({"cells": tmp_path / "cells.csv", "comparison": None})
    assert re.fullmatch(r".*cells\.csv \(sha256 [0-9a-f]{16}\)", provenance["cells table"])
    assert provenance["comparison table"] == "absent"


# --- templates ---------------------------------------------------------------------------


def template_files() -> dict[str, str]:
    """The page's templates as the installed package holds them: {name: text}."""
    folder = resources.files("powerhungry.explorer") / "templates"
    return {f.name: f.read_text(encoding="utf-8") for f in folder.iterdir() if f.is_file()}


def test_the_script_repeats_no_band_count():
    """The script takes STAR_BANDS from the page's markup instead of a number of its own."""
    script = template_files()["explorer.js"]
    assert "const BANDS = Number(document.body.dataset.starBands);" in script
    assert not re.search(r"\bBANDS\s*=\s*\d", script)


def test_the_page_follows_star_bands(monkeypatch):
    monkeypatch.setattr(records, "STAR_BANDS", 3)
    page = render_explorer(explorer_payload(CELLS, QUALITY, None), "t", {})
    assert '<body data-star-bands="3">' in page
    assert "cut into 3 equal bands;\n&#9733;&#9733;&#9733; is" in page
    stars = {r["stars"] for r in payload_of(page)["cells"]}
    assert max(stars) == 3 and stars <= {1, 2, 3}


def test_templates_are_package_data():
    """Every template file is matched by pyproject's package-data globs (so a wheel ships it), and
    the page is loaded from the package's own folder."""
    globs = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    globs = globs["package-data"]["powerhungry"]
    assert set(template_files()) >= {PAGE_TEMPLATE, "explorer.css", "explorer.js"}
    for name in template_files():
        assert any(fnmatch(f"explorer/templates/{name}", g) for g in globs), name
    folder = Path(str(resources.files("powerhungry.explorer") / "templates"))
    template = Path(page_environment().get_template(PAGE_TEMPLATE).filename)
    assert template.parent == folder


@pytest.mark.slow
def test_a_built_wheel_renders_the_page(tmp_path):
    """A non-editable install, away from the checkout: build the wheel from a copy of the sources,
    unpack it, and render the page from there."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ["pyproject.toml", "README.md"]:
        shutil.copy(REPO / name, source)
    shutil.copytree(REPO / "src", source / "src", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
    subprocess.run([*pip, "-q", "-w", str(tmp_path / "dist"), str(source)], check=True)
    (wheel,) = (tmp_path / "dist").glob("powerhungry-*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    shutil.rmtree(source)  # the build copy is gone; the import below must come from the wheel
    render = (
        "import powerhungry.explorer as e; print(e.__file__); "
        "print(e.render_explorer(e.explorer_payload(None, None, None), 'wheel', {}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", render],
        env={"PYTHONPATH": str(site), "PATH": ""},
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    module, page = result.stdout.split("\n", 1)
    assert Path(module).is_relative_to(site)
    assert "<title>wheel</title>" in page and "const BANDS = Number(" in page
    assert payload_of(page) == {"cells": [], "headline_metrics": {}, "comparison": []}


class Named(dict):
    """What Snakemake hands a script: names readable as attributes, and `.get`."""

    __getattr__ = dict.__getitem__


@pytest.mark.parametrize("with_comparison", [True, False])
def test_the_rule_script(tmp_path, with_comparison):
    CELLS.to_csv(tmp_path / "cell_summary.csv", index=False)
    QUALITY.to_csv(tmp_path / "quality.csv", index=False)
    inputs = Named(cells=str(tmp_path / "cell_summary.csv"), quality=str(tmp_path / "quality.csv"))
    if with_comparison:
        COMPARISON.to_csv(tmp_path / "comparison.csv", index=False)
        inputs["comparison"] = str(tmp_path / "comparison.csv")
    snakemake = Named(
        input=inputs,
        output=Named(html=str(tmp_path / "explorer.html")),
        params=Named(title="Rule test", provenance={"study": "demo"}),
        log=[str(tmp_path / "explorer.log")],
    )
    runpy.run_path(str(REPO / "scripts" / "build_explorer.py"), {"snakemake": snakemake})
    page = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    assert len(payload_of(page)["comparison"]) == (2 if with_comparison else 0)
    assert "<dt>study</dt><dd>demo</dd>" in page and "<dt>cells table</dt>" in page


# --- in a real browser -------------------------------------------------------------------


def plotted_points(dom: str) -> int:
    """Dots of the energy-vs-quality scatter (each has a tooltip; legend dots have none)."""
    scatter = re.search(r'<div id="scatter">(.*?)</div>', dom, re.S)
    return len(re.findall(r"<circle\b[^>]*><title>", scatter.group(1))) if scatter else 0


def png_size(png: Path) -> tuple[int, int]:
    """Width and height from the PNG header (signature, then the IHDR chunk)."""
    header = png.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", header[16:24])


@pytest.mark.browser
def test_filters_in_headless_chromium(tmp_path):
    browser = require_chromium()
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, COMPARISON, out, "Explorer test", {"cells": "synthetic"})
    url = out.as_uri()

    everything = dump_dom(browser, url)
    assert visible_cells(everything) == len(CELLS)
    assert f"showing {len(CELLS)} of {len(CELLS)} cells" in everything

    # The fragment sets the <select>s and fires their change handler, as a user's choice would.
    text_classification = dump_dom(browser, f"{url}#task={TC}")
    assert visible_cells(text_classification) == 3
    assert f"showing 3 of {len(CELLS)} cells" in text_classification
    assert plotted_points(text_classification) == 3  # its scored cells
    assert text_classification.count("<tr data-comparison=") == 1

    narrowed = dump_dom(browser, f"{url}#task={TC}&model_kind={TS}&dataset=short_reviews")
    assert visible_cells(narrowed) == 1
    assert 'data-cell="text_classification|demo/tiny-bert-sentiment|short_reviews"' in narrowed

    png = screenshot(browser, f"{url}#task={SUM}", ARTIFACTS / "explorer.png")
    assert png.stat().st_size > 10_000
    assert png_size(png) == (1400, 1000)


@pytest.mark.browser
def test_stars_and_numbers_render_in_headless_chromium(tmp_path):
    browser = require_chromium()
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, None, out, "Explorer test", {})
    dom = dump_dom(browser, f"{out.as_uri()}#task={SUM}")
    assert re.findall(r'data-stars="(\d)"', dom) == ["5", "1"]
    assert "\u2605" * 5 in dom and "\u2605" + "\u2606" * 4 in dom
    assert "1.50e-4" in dom and "No comparison with the paper" in dom


@pytest.mark.browser
def test_star_bands_reach_the_script_in_headless_chromium(tmp_path, monkeypatch):
    browser = require_chromium()
    monkeypatch.setattr(records, "STAR_BANDS", 3)
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, None, out, "Explorer test", {})
    dom = dump_dom(browser, f"{out.as_uri()}#task={SUM}")
    assert re.findall(r'data-stars="(\d)"', dom) == ["3", "1"]
    assert "\u2605" * 3 + "</td>" in dom and "\u2605" + "\u2606" * 2 + "</td>" in dom
    assert 'title="3 of 3 stars"' in dom and "\u2606" * 3 not in dom


def test_records_name_a_substitute_dataset():
    cells = CELLS.assign(dataset_substitute="")
    cells.loc[cells["dataset"] == "short_reviews", "dataset_substitute"] = "org/reviews"
    by_dataset = {r["dataset"]: r["dataset_substitute"] for r in cell_records(cells, QUALITY)}
    assert by_dataset["short_reviews"] == "org/reviews" and by_dataset["movie_reviews"] == ""
    assert {r["dataset_substitute"] for r in cell_records(CELLS, QUALITY)} == {""}
    comparison = COMPARISON.assign(substituted_datasets="short_reviews (org/reviews)")
    assert {r["substituted_datasets"] for r in comparison_records(comparison)} == {
        "short_reviews (org/reviews)"
    }


@pytest.mark.browser
def test_a_substitute_dataset_is_marked_in_headless_chromium(tmp_path):
    browser = require_chromium()
    cells = CELLS.assign(dataset_substitute="")
    cells.loc[cells["dataset"] == "short_reviews", "dataset_substitute"] = "org/reviews"
    comparison = COMPARISON.assign(substituted_datasets="")
    comparison.loc[comparison["task"] == TC, "substituted_datasets"] = "short_reviews (org/reviews)"
    out = tmp_path / "explorer.html"
    build_explorer(cells, QUALITY, comparison, out, "Explorer test", {})
    dom = dump_dom(browser, out.as_uri())
    marked = re.findall(r'<td class="substituted" title="([^"]*)">([^<]*)</td>', dom)
    assert sorted(marked) == [
        ("substitute: read from org/reviews", "short_reviews \u2020"),
        ("substitutes read: short_reviews (org/reviews)", f"{TC} \u2020"),
    ]
    assert "read from a substitute for the paper's dataset" in dom
