"""The results explorer: star ratings and page content on small synthetic tables, then the page in
a real headless Chromium: filters through the URL fragment in the dumped DOM, and, driven over the
DevTools protocol, sorting by a click, the CSV download, the energy unit, hover labels, the
hardware panel and the layout at 390 and 1366 px (screenshots in test-artifacts/)."""

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

import numpy as np
import pandas as pd
import pytest
from browser import DevToolsPage, dump_dom, require_chromium, visible_cells
from helpers import REPO

from powerhungry.analysis.compare import DESCRIBED, INTENSITY
from powerhungry.columns import DEFAULT_SCENARIO
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
from powerhungry.explorer.records import (
    ENERGY_UNITS,
    NO_GPU,
    NOT_MEASURED,
    NOT_RECORDED,
    distinguishable_stars,
    scenario_records,
    setup_records,
)

ARTIFACTS = REPO / "test-artifacts"
PAYLOAD = re.compile(r'<script type="application/json" id="explorer-data">(.*?)</script>', re.S)
LIMIT = 0.1  # summary.max_relative_halfwidth's default


def cell(task, kind, model, dataset, energy, parameters=4_400_000, share=0.02, **measured):
    """A cell summary row; `share`: its 95% half-width relative to the mean (imprecise over
    LIMIT); `measured`: more columns (GPU energies, energy per unit of work)."""
    return dict(
        scenario=DEFAULT_SCENARIO,
        task=task,
        model_kind=kind,
        model=model,
        dataset=dataset,
        n_repetitions=3,
        model_parameters=parameters,
        energy_kwh_per_1k_mean=energy,
        emissions_g_per_1k_mean=energy * 369.5,
        seconds_per_inference_mean=0.02,
        inferences_per_second=50.0,
        energy_kwh_per_1k_std=energy / 10,
        energy_kwh_per_1k_halfwidth_95=energy * share,
        relative_halfwidth_95=share,
        imprecise=share > LIMIT,
        **measured,
    )


def score(task, kind, model, dataset, metric, value):
    return dict(
        scenario=DEFAULT_SCENARIO,
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
SUMMARIZER = "demo/tiny-t5-summarizer"

# The demo's shapes: several datasets for one task, both kinds, a task without quality metrics;
# an imprecise cell rated all the same (its interval lies in one band), a cell whose interval
# crosses a band edge (not rated), and one cell on a GPU whose above-idle energy is negative.
CELLS = pd.DataFrame(
    [
        cell(TC, TS, "demo/tiny-bert-sentiment", "movie_reviews", 1.0e-5),
        cell(TC, TS, "demo/tiny-bert-sentiment", "short_reviews", 1.2e-5, share=0.3),
        cell(TC, MP, "demo/tiny-t5-instruct", "movie_reviews", 3.7e-4, 2_000_000),
        cell(SUM, TS, SUMMARIZER, "news_articles", 6.2e-4, 1_500_000, share=0.3,
             energy_kwh_per_1k_output_tokens=6.2e-4 / 40),
        cell(SUM, MP, "demo/tiny-gpt2-instruct", "news_articles", 1.5e-4, 900_000,
             energy_kwh_per_1k_input_tokens=1.5e-4 / 200,
             energy_kwh_per_1k_output_tokens=1.5e-4 / 30),
        cell(GEN, TS, "demo/tiny-stable-diffusion", "image_prompts", 2.4e-4, 3_000_000,
             gpu_energy_kwh_per_1k_mean=1.6e-4,
             gpu_energy_above_idle_kwh_per_1k_mean=-2.0e-5,
             gpu_energy_above_idle_kwh_per_1k_halfwidth_95=1.0e-5,
             above_idle_flag="negative", energy_wh_per_image=2.4e-4,
             energy_wh_per_diffusion_step=2.4e-4 / 4),
    ]
)  # fmt: skip
# Each cell's energy by "model|dataset".
ENERGY = CELLS.set_index(CELLS["model"] + "|" + CELLS["dataset"])[
    "energy_kwh_per_1k_mean"
].to_dict()
QUALITY = pd.DataFrame(
    [
        score(TC, TS, "demo/tiny-bert-sentiment", "movie_reviews", "accuracy", 0.5),
        score(TC, TS, "demo/tiny-bert-sentiment", "short_reviews", "accuracy", 0.625),
        score(TC, MP, "demo/tiny-t5-instruct", "movie_reviews", "accuracy", 0.0),
        *(
            score(SUM, kind, model, "news_articles", metric, value)
            for kind, model in [(TS, SUMMARIZER), (MP, "demo/tiny-gpt2-instruct")]
            for metric, value in [("rouge1", 0.2), ("rouge2", 0.05), ("rougeL", 0.15)]
        ),
    ]
)


def compared(level, task, kind, ours, paper, model=float("nan"), dataset=float("nan"), low=0.9):
    """A row of `powerhungry compare`'s table, the paper as A: half-widths 10% of ours and 5% of
    the paper's, the ratio's 95% interval from `low` to 1.1 times the ratio. An empty field
    reads as NaN, as pandas reads it."""
    ratio = ours / paper
    return dict(
        level=level, scenario=DEFAULT_SCENARIO, task=task, model_kind=kind, model=model,
        dataset=dataset,
        ours_energy_kwh_per_1k=ours, ours_energy_kwh_per_1k_halfwidth_95=ours / 10,
        paper_energy_kwh_per_1k=paper, paper_energy_kwh_per_1k_halfwidth_95=paper / 20,
        energy_ratio=ratio, energy_ratio_low_95=ratio * low, energy_ratio_high_95=ratio * 1.1,
        distinguishable=not ratio * low <= 1 <= ratio * 1.1,
        ours_emissions_g_per_1k=ours * 369.5, paper_emissions_g_per_1k=paper * 400.0,
    )  # fmt: skip


BERT = "demo/tiny-bert-sentiment"
# Task rows, a model the paper also measured and one of its cells, whose ratio is not told
# apart from 1.
COMPARISON = pd.DataFrame(
    [
        compared("task", TC, TS, 1.1e-5, 0.002),
        compared("task", SUM, MP, 1.5e-4, 0.08),
        compared("cell", TC, TS, 1.0e-5, 1.1e-5, BERT, "movie_reviews", low=0.5),
        compared("model", TC, TS, 1.1e-5, 1.0e-4, BERT),
    ]
)
CPU_PROVENANCE = dict(device="cpu", gpu_model="", gpu_count=0, gpu_driver="",
                      cpu_model="AMD EPYC 9654", python_version="3.11.9",
                      torch_version="2.5.1", transformers_version="4.46.3",
                      diffusers_version="0.31.0", datasets_version="3.1.0",
                      codecarbon_version="2.8.2", carbon_intensity_setting="USA",
                      batch_size=1, dtype="float32")  # fmt: skip
GPU_PROVENANCE = dict(CPU_PROVENANCE, device="cuda", gpu_model="NVIDIA H100 80GB HBM3",
                      gpu_count=1, gpu_driver="550.54.15", cuda_version="12.4")  # fmt: skip
# Each cell's load and query rows; the CPU cells' from before cuda_version was recorded.
MEASUREMENTS = pd.DataFrame(
    [
        {**c, **(GPU_PROVENANCE if c["task"] == GEN else CPU_PROVENANCE), "phase": phase,
         "energy_kwh": energy, "emissions_kg": energy * 0.3695}
        for c in CELLS[["scenario", "task", "model_kind", "model", "dataset"]].to_dict("records")
        for phase, energy in [("load", 0.002), ("query", 0.01)]
    ]
)  # fmt: skip


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


def test_stars_are_given_only_where_the_interval_lies_in_one_band():
    # Task a spans 0..10 kWh: bands of 2 (5 stars below 2, 4 below 4, ...).
    energy = pd.Series([0.0, 1.0, 1.0, 5.0, 10.0, 3.0, 7.0])
    halfwidth = pd.Series([0.1, 0.5, 1.5, 0.5, 0.1, float("nan"), 0.2])
    task = pd.Series(["a"] * 5 + ["b", "c"])
    stars, reasons = distinguishable_stars(energy, halfwidth, task)
    assert stars.tolist()[:2] == [5, 5] and stars.tolist()[3:5] == [3, 1]
    # 1.0 ± 1.5 reaches 2.5 (4 stars): it cannot be told from the next band.
    assert pd.isna(stars[2]) and reasons[2].startswith("not rated: its 95% interval spans 4 to 5")
    assert pd.isna(stars[5]) and "one repetition" in reasons[5]  # no half-width: no interval
    assert pd.isna(stars[6]) and "no range of energies" in reasons[6]  # alone in its task
    assert (reasons[stars.notna()] == "").all()


def test_rated_cells_with_different_stars_never_overlap():
    """The rule's promise, on many random tasks: two rated cells of a task with different stars
    have disjoint 95% intervals."""
    generator = np.random.default_rng(7)
    energy = pd.Series(10 ** generator.uniform(-5, -2, 600))
    halfwidth = energy * generator.uniform(0, 0.3, 600)
    task = pd.Series(generator.integers(0, 30, 600))
    stars, _ = distinguishable_stars(energy, halfwidth, task)
    rated = pd.DataFrame({"e": energy, "h": halfwidth, "t": task, "s": stars}).dropna()
    assert rated["s"].nunique() == 5 and len(rated) > 200  # the promise is not kept vacuously
    for _, group in rated.groupby("t"):
        for a in group.itertuples():
            for b in group.itertuples():
                if a.s > b.s:  # a is rated more efficient: its interval ends below b's
                    assert a.e + a.h < b.e - b.h


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
    records = cell_records(CELLS, QUALITY, LIMIT)
    assert [r["task"] for r in records] == [GEN, SUM, SUM, TC, TC, TC]  # by task, then energy
    summarizer = next(r for r in records if r["model"] == SUMMARIZER)
    assert summarizer["quality"] == {"rouge1": 0.2, "rouge2": 0.05, "rougeL": 0.15}
    assert (summarizer["headline_metric"], summarizer["headline_value"]) == ("rougeL", 0.15)
    assert summarizer["parameters"] == 1_500_000
    assert summarizer["emissions_g_per_1k"] == pytest.approx(6.2e-4 * 369.5)
    assert summarizer["energy_kwh_per_1k_output_tokens"] == pytest.approx(6.2e-4 / 40)
    assert (summarizer["seconds_per_inference"], summarizer["inferences_per_second"]) == (0.02, 50)
    # Summarization spans 1.5e-4..6.2e-4: the gpt2 cell is the efficient end; the t5 cell's
    # interval (± 30%) reaches into the next band, so it is not rated, and says why.
    assert {r["model"]: r["stars"] for r in records if r["task"] == SUM} == {
        "demo/tiny-gpt2-instruct": 5,
        SUMMARIZER: None,
    }
    assert summarizer["stars_reason"] == (
        "not rated: its 95% interval spans 1 to 2 stars, more than one band"
    )
    generation = records[0]  # the only cell of its task: no bands to rate it in
    assert (generation["quality"], generation["headline_value"], generation["stars"]) == (
        {},
        None,
        None,
    )
    assert "no range of energies" in generation["stars_reason"]


def test_records_say_what_is_imprecise_unresolved_or_not_measured():
    by_cell = {(r["model"], r["dataset"]): r for r in cell_records(CELLS, QUALITY, LIMIT)}
    short = by_cell["demo/tiny-bert-sentiment", "short_reviews"]
    assert short["imprecise"] and short["stars"] == 5  # imprecise, yet within one band
    assert short["imprecise_note"] == "imprecise: its 95% half-width is 30% of the mean, over 10%"
    assert short["energy_kwh_per_1k_halfwidth_95"] == pytest.approx(1.2e-5 * 0.3)
    movie = by_cell["demo/tiny-bert-sentiment", "movie_reviews"]
    assert (movie["imprecise"], movie["imprecise_note"]) == (False, "")
    # On the CPU: no GPU energy, no baseline: None (the page's "not measured"), never 0.
    assert movie["gpu_energy_kwh_per_1k"] is None
    assert movie["gpu_energy_above_idle_kwh_per_1k"] is None
    assert (movie["above_idle_flag"], movie["above_idle_note"]) == ("", "")
    assert movie["energy_wh_per_image"] is None  # a unit that does not apply
    image = by_cell["demo/tiny-stable-diffusion", "image_prompts"]
    assert image["gpu_energy_kwh_per_1k"] == pytest.approx(1.6e-4)
    assert image["gpu_energy_above_idle_kwh_per_1k"] == pytest.approx(-2.0e-5)
    assert image["above_idle_note"].startswith("below zero")
    assert image["energy_wh_per_diffusion_step"] == pytest.approx(6.0e-5)


def test_one_repetition_and_a_summary_without_precision_are_marked():
    one = CELLS.iloc[[0]].assign(
        energy_kwh_per_1k_halfwidth_95=float("nan"), relative_halfwidth_95=float("nan")
    )
    (record,) = cell_records(one.assign(imprecise=True), None)
    assert record["imprecise_note"] == "imprecise: one repetition, so no 95% half-width"
    assert record["stars"] is None and "one repetition" in record["stars_reason"]
    (record,) = cell_records(CELLS.iloc[[0]].drop(columns="imprecise"), None)
    assert record["imprecise"] and "no imprecise column" in record["imprecise_note"]


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
    rows = comparison_records(COMPARISON)
    # Task rows first; then each model's row before its cells'.
    assert [(r["level"], r["task"]) for r in rows] == [
        ("task", SUM),
        ("task", TC),
        ("model", TC),
        ("cell", TC),
    ]
    assert rows[0]["model"] == rows[0]["dataset"] == ""  # NaN from an empty CSV field
    assert rows[0]["energy_ratio"] == pytest.approx(1.5e-4 / 0.08)
    assert rows[0]["ours_energy_kwh_per_1k_halfwidth_95"] == pytest.approx(1.5e-5)
    assert rows[0]["energy_ratio_low_95"] == pytest.approx(1.5e-4 / 0.08 * 0.9)
    assert (rows[0]["distinguishable"], rows[3]["distinguishable"]) == (True, False)
    assert rows[3]["dataset"] == "movie_reviews"
    # A table from before the ratio's interval: the numbers it lacks are None.
    (old,) = comparison_records(COMPARISON.iloc[[0]][["level", "task", "energy_ratio"]])
    assert old["energy_ratio_low_95"] is None and old["distinguishable"] is None
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
    assert len(read_optional_table(tmp_path / "comparison.csv")) == len(COMPARISON)


# --- page --------------------------------------------------------------------------------


def test_page_is_self_contained_and_carries_its_data(tmp_path):
    out = tmp_path / "explorer.html"
    build_explorer(
        CELLS, QUALITY, COMPARISON, out, "Demo explorer", {"cells": "cell_summary.csv"},
        MEASUREMENTS, LIMIT,
    )  # fmt: skip
    page = out.read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page
    # Nothing fetched: no external script, style sheet, image or frame, no protocol-relative URL;
    # the one link the script makes is to the CSV it builds in the page (a blob: URL).
    links = re.findall(r"\b(?:src|href)\s*=.*", page, re.I)
    assert links == ["href = URL.createObjectURL(blob);"]
    assert not re.search(r"<link\b|<iframe\b|@import|\burl\(", page, re.I)
    assert not re.search(r"[\"'(]//", page)
    assert payload_of(page) == explorer_payload(CELLS, QUALITY, COMPARISON, MEASUREMENTS, LIMIT)
    assert "over 10% of the mean" in page  # the limit the summary marked imprecise values by
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
    assert {k: v for k, v in payload_of(page).items() if k != "settings"} == {
        "cells": [],
        "scenarios": [],
        "headline_metrics": {},
        "comparison": [],
        "setups": [],
    }
    assert "No measured cells" in page  # the text the page's script shows
    assert "the hardware and software the cells ran on are not known" in page


def test_no_nan_reaches_the_page():
    cells = CELLS.assign(emissions_g_per_1k_mean=float("nan"), model_parameters=float("nan"))
    page = render_explorer(explorer_payload(cells, QUALITY, COMPARISON), "t", {})
    assert "NaN" not in page
    assert all(r["parameters"] is None for r in payload_of(page)["cells"])


def test_setups_list_hardware_software_and_the_intensity_charged():
    """One setup per combination of provenance values: an empty GPU field on the CPU is no GPU,
    anything else empty (a CUDA version from before it was recorded) is "not recorded"."""
    cpu, gpu = setup_records(MEASUREMENTS)  # most cells first
    assert (cpu["cells"], gpu["cells"]) == (5, 1)
    cpu, gpu = dict(cpu["fields"]), dict(gpu["fields"])
    assert (cpu["GPU"], cpu["GPU driver"], cpu["GPUs counted per job"]) == (NO_GPU, NO_GPU, "0")
    assert cpu["CUDA"] == NOT_RECORDED
    assert gpu["GPU"] == "NVIDIA H100 80GB HBM3" and gpu["GPU driver"] == "550.54.15"
    assert (gpu["GPUs counted per job"], gpu["CUDA"]) == ("1", "12.4")
    assert cpu["torch"] == "2.5.1" and cpu["codecarbon"] == "2.8.2" and cpu["python"] == "3.11.9"
    assert (cpu["carbon intensity setting"], cpu["dtype"], cpu["batch size"]) == (
        "USA",
        "float32",
        "1",
    )
    # 0.3695 kg per kWh charged: emissions over energy, whatever the setting's name says.
    assert cpu[INTENSITY] == "369.5"
    assert setup_records(None) == setup_records(MEASUREMENTS.iloc[:0]) == []


def test_setups_from_the_csv_as_the_rule_reads_it(tmp_path):
    """Read as text (the rule's options), a CUDA "12.10" stays 12.10 and a GPU count stays 1."""
    table = MEASUREMENTS.assign(cuda_version="12.10")
    table.to_csv(tmp_path / "measurements.csv", index=False)
    read = read_optional_table(
        tmp_path / "measurements.csv", dtype={column: str for _, column in DESCRIBED}
    )
    by_device = {dict(s["fields"])["device"]: dict(s["fields"]) for s in setup_records(read)}
    assert by_device["cuda"]["CUDA"] == by_device["cpu"]["CUDA"] == "12.10"
    assert by_device["cuda"]["GPUs counted per job"] == "1" and by_device["cpu"]["GPU"] == NO_GPU
    assert by_device["cpu"][INTENSITY] == "369.5"
    (cpu_build,) = setup_records(MEASUREMENTS.assign(cuda_version="none"))[:1]
    assert dict(cpu_build["fields"])["CUDA"] == "none (a CPU build of torch)"


def test_energy_units_convert_kwh_per_thousand():
    """kWh per 1,000 inferences is 1,000 Wh per 1,000, and 3.6e6 J / 1,000 = 3,600 J each."""
    factors = {u["key"]: u["factor"] for u in ENERGY_UNITS}
    assert factors == {"kwh_per_1k": 1.0, "wh_per_1k": 1000.0, "j_per_one": 3600.0}
    assert ENERGY_UNITS[0]["key"] == "kwh_per_1k"  # the summaries' own unit is the default
    settings = explorer_payload(None, None, None, None, LIMIT)["settings"]
    assert settings["energy_units"] == ENERGY_UNITS and settings["max_relative_halfwidth"] == LIMIT
    shown = {c["key"] for c in settings["cell_columns"]}
    for key in ["energy_kwh_per_1k", "gpu_energy_kwh_per_1k", "seconds_per_inference",
                "inferences_per_second", "units_of_work", "stars"]:  # fmt: skip
        assert key in shown, key
    record = cell_records(CELLS, QUALITY, LIMIT)[0]
    assert {c["key"] for c in settings["csv_columns"]} <= {*record, "units_of_work"}


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


def test_the_script_repeats_no_constant():
    """The script takes the star bands, the unit factors and the texts of missing values from
    the page's data instead of numbers and words of its own."""
    script = template_files()["explorer.js"]
    assert "const BANDS = SETTINGS.star_bands;" in script
    assert not re.search(r"\bBANDS\s*=\s*\d", script)
    assert not re.search(r"3600|3\.6e", script)
    for text in [NOT_MEASURED, NOT_RECORDED, "not scored", "does not apply", "task-specific"]:
        assert text not in script, text


def test_the_page_follows_star_bands(monkeypatch):
    monkeypatch.setattr(records, "STAR_BANDS", 3)
    page = render_explorer(explorer_payload(CELLS, QUALITY, None), "t", {})
    assert payload_of(page)["settings"]["star_bands"] == 3
    assert "cut into 3 equal bands;\n&#9733;&#9733;&#9733; is" in page
    stars = {r["stars"] for r in payload_of(page)["cells"]} - {None}
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
    assert "<title>wheel</title>" in page and "const BANDS = SETTINGS.star_bands;" in page
    assert payload_of(page)["cells"] == [] and payload_of(page)["setups"] == []


class Named(dict):
    """What Snakemake hands a script: names readable as attributes, and `.get`."""

    __getattr__ = dict.__getitem__


@pytest.mark.parametrize("with_comparison", [True, False])
def test_the_rule_script(tmp_path, with_comparison):
    CELLS.to_csv(tmp_path / "cell_summary.csv", index=False)
    QUALITY.to_csv(tmp_path / "quality.csv", index=False)
    MEASUREMENTS.to_csv(tmp_path / "measurements.csv", index=False)
    inputs = Named(
        cells=str(tmp_path / "cell_summary.csv"),
        quality=str(tmp_path / "quality.csv"),
        measurements=str(tmp_path / "measurements.csv"),
    )
    if with_comparison:
        COMPARISON.to_csv(tmp_path / "comparison.csv", index=False)
        inputs["comparison"] = str(tmp_path / "comparison.csv")
        SETUP.to_csv(tmp_path / "comparison_setup.csv", index=False)
        inputs["setup"] = str(tmp_path / "comparison_setup.csv")
    snakemake = Named(
        input=inputs,
        output=Named(html=str(tmp_path / "explorer.html")),
        params=Named(title="Rule test", provenance={"study": "demo"}, max_relative_halfwidth=0.05),
        log=[str(tmp_path / "explorer.log")],
    )
    runpy.run_path(str(REPO / "scripts" / "build_explorer.py"), {"snakemake": snakemake})
    page = (tmp_path / "explorer.html").read_text(encoding="utf-8")
    payload = payload_of(page)
    assert len(payload["comparison"]) == (len(COMPARISON) if with_comparison else 0)
    assert "<dt>study</dt><dd>demo</dd>" in page and "<dt>measurements table</dt>" in page
    assert payload["settings"]["max_relative_halfwidth"] == 0.05 and "over 5% of the mean" in page
    assert [s["cells"] for s in payload["setups"]] == [5, 1]
    # The summary's own imprecise column decides, whatever the limit the page is told.
    assert sum(c["imprecise"] for c in payload["cells"]) == 2
    # Beside the comparison, the paper's hardware and carbon intensity beside ours.
    shown = '<tr class="differs"><th>GPU</th><td>8 x NVIDIA A100-SXM4-80GB</td><td>none</td>'
    assert (shown in page) == with_comparison
    assert ("<th>GPU driver</th><td>not recorded</td>" in page) == with_comparison


# comparison_setup.csv as rule compare_with_paper writes it (differs empty: unknown).
SETUP = pd.DataFrame(
    {
        "property": ["GPU", "carbon intensity (g CO2eq/kWh)", "GPU driver", "batch size"],
        "paper": ["8 x NVIDIA A100-SXM4-80GB", "138.7", "not recorded", "1"],
        "ours": ["none", "369.5", "none", "1"],
        "differs": [True, True, None, False],
    }
)


# --- in a real browser -------------------------------------------------------------------


def plotted_points(dom: str) -> int:
    """Dots of the energy-vs-quality scatter (each has a hover label; legend dots have none)."""
    scatter = re.search(r'<div id="scatter">(.*?)</div>', dom, re.S)
    return len(re.findall(r"<circle\b[^>]*\bdata-tip=", scatter.group(1))) if scatter else 0


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
    assert text_classification.count("<tr data-comparison=") == 3  # task, model, cell

    narrowed = dump_dom(browser, f"{url}#task={TC}&model_kind={TS}&dataset=short_reviews")
    assert visible_cells(narrowed) == 1
    assert 'data-cell="text_classification|demo/tiny-bert-sentiment|short_reviews"' in narrowed


@pytest.mark.browser
def test_stars_and_numbers_render_in_headless_chromium(tmp_path):
    browser = require_chromium()
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, None, out, "Explorer test", {})
    dom = dump_dom(browser, f"{out.as_uri()}#task={SUM}")
    assert re.findall(r'data-stars="(\d?)"', dom) == ["5", ""]
    assert "\u2605" * 5 in dom and "\u2606" not in dom  # the t5 cell's interval spans two bands
    unrated = re.search(r'<td class="stars unrated" title="([^"]*)"[^>]*>\u2014</td>', dom)
    assert unrated and unrated.group(1).startswith("not rated: its 95% interval spans 1 to 2")
    assert "1.50e-4 \u00b1 3.00e-6" in dom and "No comparison with the paper" in dom


@pytest.mark.browser
def test_star_bands_reach_the_script_in_headless_chromium(tmp_path, monkeypatch):
    browser = require_chromium()
    monkeypatch.setattr(records, "STAR_BANDS", 3)
    out = tmp_path / "explorer.html"
    build_explorer(CELLS, QUALITY, None, out, "Explorer test", {})
    dom = dump_dom(browser, f"{out.as_uri()}#task={TC}")
    assert re.findall(r'data-stars="(\d?)"', dom) == ["3", "3", "1"]
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
    task_row = (comparison["task"] == TC) & (comparison["level"] == "task")
    comparison.loc[task_row, "substituted_datasets"] = "short_reviews (org/reviews)"
    out = tmp_path / "explorer.html"
    build_explorer(cells, QUALITY, comparison, out, "Explorer test", {})
    dom = dump_dom(browser, out.as_uri())
    marked = re.findall(r'<td class="substituted" title="([^"]*)"[^>]*>([^<]*)</td>', dom)
    assert sorted(marked) == [
        ("substitute: read from org/reviews", "short_reviews \u2020"),
        ("substitutes read: short_reviews (org/reviews)", f"{TC} \u2020"),
    ]
    assert "read from a substitute for the paper's dataset" in dom


# --- the page as a tool, in a real browser driven over the DevTools protocol ----------------

# The cells table as shown: each row's cell, and the cells of one column (by its record key).
SHOWN = "[...document.querySelectorAll('#cells tbody tr')].map(r => r.dataset.cell)"
COLUMN = """(() => {{
  const i = [...document.querySelectorAll('#cells thead th')]
    .findIndex(h => h.dataset.key === {key!r});
  return [...document.querySelectorAll('#cells tbody tr')].map(r => r.cells[i]).map(c => ({{
    text: c.textContent, value: c.dataset.value === undefined ? null : Number(c.dataset.value),
    cls: c.className, title: c.title, mark: c.querySelector('.mark')?.title ?? null}}));
}})()"""


def column(page: DevToolsPage, key: str) -> list[dict]:
    return page.evaluate(COLUMN.format(key=key))


def choose(page: DevToolsPage, select: str, value: str) -> None:
    """Pick `value` in the page's <select> of id `select` (the energy unit, a filter), as a
    user does (its change event)."""
    page.evaluate(
        f"(() => {{ const s = document.getElementById({select!r}); s.value = {value!r};"
        " s.dispatchEvent(new Event('change')); })()"
    )


@pytest.fixture
def explorer_url(tmp_path) -> str:
    out = tmp_path / "explorer.html"
    build_explorer(
        CELLS, QUALITY, COMPARISON, out, "Explorer test", {"cells": "synthetic"},
        MEASUREMENTS, LIMIT,
    )  # fmt: skip
    return out.as_uri()


@pytest.mark.browser
def test_clicking_a_header_sorts_the_rows_in_headless_chromium(explorer_url):
    with DevToolsPage(require_chromium()) as page:
        page.open(explorer_url)
        initial = page.evaluate(SHOWN)  # the data's order: by task, then energy
        assert initial == [
            f"{r['task']}|{r['model']}|{r['dataset']}" for r in cell_records(CELLS, QUALITY)
        ]
        energy = '#cells th[data-key="energy_kwh_per_1k"] button'
        page.click(energy)
        values = [ENERGY[c.split("|", 1)[1]] for c in page.evaluate(SHOWN)]
        assert values == sorted(values) and page.evaluate(SHOWN) != initial
        assert page.evaluate("document.querySelector('th[aria-sort=ascending]').dataset.key") == (
            "energy_kwh_per_1k"
        )
        page.click(energy)  # again: the other way, and kept in the address
        values = [ENERGY[c.split("|", 1)[1]] for c in page.evaluate(SHOWN)]
        assert values == sorted(values, reverse=True)
        assert page.evaluate("location.hash") == "#sort=-energy_kwh_per_1k"
        page.click('#cells th[data-key="model"] button')
        models = [c.split("|")[1] for c in page.evaluate(SHOWN)]
        assert models == sorted(models)
        # Values not measured go last, whichever the direction.
        for _ in range(2):
            page.click('#cells th[data-key="gpu_energy_kwh_per_1k"] button')
            texts = [c["text"] for c in column(page, "gpu_energy_kwh_per_1k")]
            assert texts[0] == "1.60e-4" and texts[1:] == [NOT_MEASURED] * 5


@pytest.mark.browser
def test_the_csv_download_is_the_rows_shown_in_headless_chromium(explorer_url, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with DevToolsPage(require_chromium(), downloads) as page:
        page.open(f"{explorer_url}#task={TC}&sort=-energy_kwh_per_1k")  # filtered, sorted
        shown, energies = page.evaluate(SHOWN), column(page, "energy_kwh_per_1k")
        csv = pd.read_csv(page.download("#download-csv"))
        assert len(shown) == 3
        assert (csv["task"] + "|" + csv["model"] + "|" + csv["dataset"]).tolist() == shown
        # Full precision in the CSV, the same numbers as the cells shown (3 digits there).
        assert csv["energy_kwh_per_1k_inferences"].tolist() == [e["value"] for e in energies]
        for number, shown_cell in zip(csv["energy_kwh_per_1k_inferences"], energies, strict=True):
            assert shown_cell["text"].startswith(f"{number:.2e}".replace("e-0", "e-"))
        assert csv["energy_kwh_per_1k_inferences_halfwidth_95"].tolist() == pytest.approx(
            [3.7e-4 * 0.02, 1.2e-5 * 0.3, 1.0e-5 * 0.02]
        )
        assert csv["imprecise"].tolist() == [False, True, False]
        assert csv["gpu_energy_kwh_per_1k_inferences"].isna().all()  # not measured: empty, not 0
        assert csv["quality"].str.startswith("accuracy=").all()
        choose(page, "unit", "j_per_one")
        joules = pd.read_csv(page.download("#download-csv"))
        assert joules["energy_j_per_inference"].tolist() == pytest.approx(
            (csv["energy_kwh_per_1k_inferences"] * 3600).tolist(), rel=1e-12
        )
        assert sorted(p.name for p in downloads.iterdir()) == [
            "explorer-cells-j_per_one.csv",
            "explorer-cells-kwh_per_1k.csv",
        ]


@pytest.mark.browser
def test_the_energy_unit_switch_in_headless_chromium(explorer_url):
    with DevToolsPage(require_chromium()) as page:
        page.open(explorer_url)
        base = [c["value"] for c in column(page, "energy_kwh_per_1k")]
        assert base == [r["energy_kwh_per_1k"] for r in cell_records(CELLS, QUALITY)]
        ours = "document.querySelector('#comparison tbody td:nth-child(6)').textContent"
        assert page.evaluate(ours) == "1.50e-4 \u00b1 1.50e-5"
        for unit, factor, header in [
            ("wh_per_1k", 1000, "Energy (Wh / 1,000 inferences)"),
            ("j_per_one", 3600, "Energy (J / inference)"),
        ]:
            choose(page, "unit", unit)
            shown = column(page, "energy_kwh_per_1k")
            assert [c["value"] for c in shown] == pytest.approx([v * factor for v in base])
            assert page.evaluate(
                "document.querySelector('th[data-key=energy_kwh_per_1k]').textContent"
            ).startswith(header)
            assert page.evaluate("location.hash") == f"#unit={unit}"
        # 1.5e-4 kWh / 1,000 inferences ± 2% is 0.54 J ± 0.0108 J per inference.
        gpt2 = next(c for c in column(page, "energy_kwh_per_1k") if c["text"].startswith("0.540"))
        assert gpt2["text"] == "0.540 \u00b1 0.0108"
        assert page.evaluate(ours) == "0.540 \u00b1 0.0540"
        units = [c["text"] for c in column(page, "units_of_work")]
        assert "0.0180 J / generated token" in units[1] and "0.00270 J / input token" in units[1]
        assert units[0] == "0.864 J / image\n0.216 J / diffusion step"


@pytest.mark.browser
def test_hover_labels_marks_and_the_hardware_panel_in_headless_chromium(explorer_url):
    tooltip = "(() => { const t = document.getElementById('tooltip');" \
        " const r = t.getBoundingClientRect();" \
        " return [t.hidden, t.textContent, r.left, r.right]; })()"  # fmt: skip
    with DevToolsPage(require_chromium()) as page:
        page.open(f"{explorer_url}#unit=wh_per_1k")
        assert page.evaluate(tooltip)[0] is True
        page.hover("#scatter circle[data-tip*='tiny-t5-instruct']")
        hidden, text, left, right = page.evaluate(tooltip)
        assert not hidden and text == (
            "demo/tiny-t5-instruct on movie_reviews (text_classification): "
            "0.370 Wh / 1,000 inferences, accuracy 0.000"
        )
        assert 0 <= left < right <= page.evaluate("document.documentElement.clientWidth")
        page.hover("h1")
        assert page.evaluate(tooltip)[0] is True

        panel = page.evaluate("document.getElementById('setups').innerText")
        for text in ["Setup 1 of 2: 5 cells", "Setup 2 of 2: 1 cell", "NVIDIA H100 80GB HBM3",
                     "550.54.15", "CUDA\n12.4", f"CUDA\n{NOT_RECORDED}",
                     f"GPU\n{NO_GPU}", "transformers\n4.46.3", "diffusers\n0.31.0",
                     "datasets\n3.1.0", "codecarbon\n2.8.2", "python\n3.11.9",
                     "carbon intensity setting\nUSA", f"{INTENSITY}\n369.5"]:  # fmt: skip
            assert text in panel, text

        energy = {c["text"].split(" ")[0]: c for c in column(page, "energy_kwh_per_1k")}
        imprecise = energy["0.0120"]  # the short reviews' cell, in Wh
        assert imprecise["mark"] == "imprecise: its 95% half-width is 30% of the mean, over 10%"
        assert "marked" in imprecise["cls"] and energy["0.0100"]["mark"] is None
        above_idle = column(page, "gpu_energy_above_idle_kwh_per_1k")
        assert above_idle[0]["text"].startswith("-0.0200 \u00b1 0.0100")
        assert above_idle[0]["mark"].startswith("below zero")
        assert [c["text"] for c in above_idle[1:]] == [NOT_MEASURED] * 5
        assert {c["cls"] for c in above_idle[1:]} == {"missing"}
        stars = {c["text"]: c["title"] for c in column(page, "stars")}
        assert stars["\u2014"].startswith("not rated: its 95% interval spans 1 to 2 stars")
        quality = [c["text"] for c in column(page, "headline_value")]
        assert quality[0] == "not scored"  # image generation has no metric
        ratios = page.evaluate(
            "[...document.querySelectorAll('#comparison tbody tr')]"
            ".map(r => r.cells[7].textContent)"
        )
        assert ratios[0] == "\u00d70.00187 (0.00169\u20130.00206)"
        assert ratios[3] == "\u00d70.909 (0.455\u20131.00), not told apart from 1"  # the cell


# --- deployment scenarios ----------------------------------------------------------------

BF16 = "bs8-bf16"
# The text-classification cells measured again at batch size 8 in bfloat16 with SDPA attention:
# the task-specific model's far below its default-scenario energy, the multi-purpose model's far
# above (its prompts padded to the longest); the demo's other cells ran the default only.
BF16_CELLS = pd.DataFrame(
    [
        cell(TC, TS, BERT, "movie_reviews", 1.0e-7),
        cell(TC, TS, BERT, "short_reviews", 2.0e-7),
        cell(TC, MP, "demo/tiny-t5-instruct", "movie_reviews", 2.0e-3),
    ]
).assign(scenario=BF16)
SCENARIO_CELLS = pd.concat([CELLS, BF16_CELLS], ignore_index=True)
SCENARIO_MEASUREMENTS = pd.concat(
    [
        MEASUREMENTS,
        MEASUREMENTS.merge(BF16_CELLS[["task", "model_kind", "model", "dataset"]]).assign(
            scenario=BF16, batch_size=8, dtype="bfloat16", attention="sdpa"
        ),
    ],
    ignore_index=True,
)
SCENARIO_LABELS = [
    "default: batch size 1, float32",
    f"{BF16}: batch size 8, bfloat16, sdpa attention",
]


def test_records_carry_their_scenario_and_old_summaries_are_the_default():
    records = cell_records(SCENARIO_CELLS, QUALITY, LIMIT)
    assert sorted((r["scenario"], r["model"], r["dataset"]) for r in records) == sorted(
        SCENARIO_CELLS[["scenario", "model", "dataset"]].itertuples(index=False, name=None)
    )
    assert {r["scenario"] for r in cell_records(CELLS.drop(columns="scenario"), None)} == {
        DEFAULT_SCENARIO
    }
    csv_columns = [c["key"] for c in explorer_payload(None, None, None)["settings"]["csv_columns"]]
    assert csv_columns[0] == "scenario"  # the CSV download names each row's scenario


def test_stars_are_rated_within_a_scenario_and_task():
    """Rated together, the other scenario's far wider range of energies would move the default
    scenario's cells into other bands. Per scenario, the default's stars are what they are
    without the other scenario, and the other's its own."""
    stars = {
        (r["scenario"], r["model"], r["dataset"]): (r["stars"], r["stars_reason"])
        for r in cell_records(SCENARIO_CELLS, QUALITY, LIMIT)
    }
    alone = {
        (r["scenario"], r["model"], r["dataset"]): (r["stars"], r["stars_reason"])
        for r in cell_records(CELLS, QUALITY, LIMIT)
    }
    assert {key: value for key, value in stars.items() if key[0] == DEFAULT_SCENARIO} == alone
    assert {(m, d): s for (sc, m, d), (s, _) in stars.items() if sc == BF16} == {
        (BERT, "movie_reviews"): 5,
        (BERT, "short_reviews"): 5,
        ("demo/tiny-t5-instruct", "movie_reviews"): 1,
    }
    # Rated across scenarios (by task only), the default's text-classification cells change.
    across, _ = distinguishable_stars(
        SCENARIO_CELLS["energy_kwh_per_1k_mean"],
        SCENARIO_CELLS["energy_kwh_per_1k_halfwidth_95"],
        SCENARIO_CELLS["task"],
    )
    default_tc = (SCENARIO_CELLS["scenario"] == DEFAULT_SCENARIO) & (SCENARIO_CELLS["task"] == TC)
    assert across[default_tc].tolist() != [
        alone[(DEFAULT_SCENARIO, m, d)][0]
        for m, d in SCENARIO_CELLS.loc[default_tc, ["model", "dataset"]].itertuples(index=False)
    ]


def test_scenarios_are_listed_default_first_with_their_settings():
    assert scenario_records(SCENARIO_CELLS, SCENARIO_MEASUREMENTS) == [
        {"name": DEFAULT_SCENARIO, "cells": len(CELLS), "batch_size": "1", "dtype": "float32",
         "attention": "", "label": SCENARIO_LABELS[0]},
        {"name": BF16, "cells": len(BF16_CELLS), "batch_size": "8", "dtype": "bfloat16",
         "attention": "sdpa", "label": SCENARIO_LABELS[1]},
    ]  # fmt: skip
    # Without a measurement table the settings are not known: the names alone.
    assert [s["label"] for s in scenario_records(SCENARIO_CELLS, None)] == [DEFAULT_SCENARIO, BF16]
    assert scenario_records(None, SCENARIO_MEASUREMENTS) == []
    assert {r["scenario"] for r in comparison_records(COMPARISON)} == {DEFAULT_SCENARIO}


@pytest.fixture
def scenario_url(tmp_path) -> str:
    out = tmp_path / "explorer-scenarios.html"
    build_explorer(
        SCENARIO_CELLS, QUALITY, COMPARISON, out, "Explorer test", {}, SCENARIO_MEASUREMENTS, LIMIT
    )
    return out.as_uri()


@pytest.mark.browser
def test_the_scenario_filter_in_headless_chromium(scenario_url, explorer_url, tmp_path):
    """The page first shows the default scenario; choosing another shows exactly its cells
    (their stars rated among themselves), names it in the address and the CSV; a page of one
    scenario shows its column but has nothing to choose."""
    shown_scenarios = (
        "[...document.querySelectorAll('#cells tbody tr')].map(r => r.dataset.scenario)"
    )
    select = "document.getElementById('filter-scenario')"
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    with DevToolsPage(require_chromium(), downloads) as page:
        page.open(scenario_url)
        assert page.evaluate(f"{select}.value") == DEFAULT_SCENARIO
        assert page.evaluate(f"[...{select}.options].map(o => o.textContent)") == [
            "all",
            *SCENARIO_LABELS,
        ]
        assert page.evaluate(f"{select}.disabled") is False
        assert page.evaluate(shown_scenarios) == [DEFAULT_SCENARIO] * len(CELLS)
        choose(page, "filter-scenario", BF16)
        assert page.evaluate(shown_scenarios) == [BF16] * len(BF16_CELLS)
        expected = {f"{TC}|{c.model}|{c.dataset}" for c in BF16_CELLS.itertuples()}
        assert set(page.evaluate(SHOWN)) == expected
        assert {c["text"] for c in column(page, "scenario")} == {BF16}
        assert [c["title"] for c in column(page, "stars")] == [
            "5 of 5 stars", "5 of 5 stars", "1 of 5 stars"
        ]  # fmt: skip
        count = f"showing {len(BF16_CELLS)} of {len(SCENARIO_CELLS)} cells"
        assert page.evaluate("document.getElementById('cell-count').textContent") == count
        assert page.evaluate("location.hash") == f"#scenario={BF16}"
        comparison_note = page.evaluate("document.getElementById('comparison-note').textContent")
        assert comparison_note.startswith(f"Scenario {BF16} is not compared with the paper")
        csv = pd.read_csv(page.download("#download-csv"))
        assert csv["scenario"].tolist() == [BF16] * len(BF16_CELLS)
        choose(page, "filter-scenario", "all")
        assert page.evaluate("location.hash") == "#scenario=all"
        assert sorted(page.evaluate(shown_scenarios)) == sorted(SCENARIO_CELLS["scenario"])
        page.open(explorer_url)  # one scenario: its column, nothing to choose
        assert page.evaluate(f"{select}.disabled") is True
        assert {c["text"] for c in column(page, "scenario")} == {DEFAULT_SCENARIO}
        assert page.evaluate(f"[...{select}.options].map(o => o.textContent)") == [
            "all",
            "default: batch size 1, float32",
        ]


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize("page_of", ["explorer", "explorer-scenarios"])
def test_readable_at_phone_and_laptop_widths_in_headless_chromium(
    explorer_url, scenario_url, width, page_of
):
    """No sideways scrolling of the page: everything fits the width, but for a wide table on a
    laptop, which scrolls inside its own box (on a phone each row is a card that fits); text
    keeps its size (no zooming out). The screenshots are for a person to look at:
    test-artifacts/explorer-390.png and explorer-1366.png, and the page of two scenarios (all
    shown) explorer-scenarios-390.png and explorer-scenarios-1366.png."""
    phone = width < 600
    url = {"explorer": explorer_url, "explorer-scenarios": f"{scenario_url}#scenario=all"}
    with DevToolsPage(require_chromium()) as page:
        page.resize(width, 844 if phone else 768)
        page.open(url[page_of])
        layout = page.evaluate(f"""({{
          page: document.documentElement.scrollWidth,
          view: document.documentElement.clientWidth,
          scale: visualViewport.scale,
          box: document.getElementById('cells-scroll').clientWidth,
          table: document.getElementById('cells').scrollWidth,
          font: parseFloat(getComputedStyle(document.querySelector('#cells td')).fontSize),
          outside: [...document.body.querySelectorAll('*')]
            .filter(e => {"true" if phone else "!e.closest('.scroll')"})
            .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
            .map(e => e.tagName + '#' + e.id + '.' + e.className),
        }})""")
        assert (layout["view"], layout["scale"]) == (width, 1)
        assert layout["page"] <= width and layout["outside"] == []
        assert layout["box"] <= width and layout["font"] >= 14
        if phone:
            assert layout["table"] <= layout["box"]  # cards: nothing to scroll
        png = page.screenshot(ARTIFACTS / f"{page_of}-{width}.png")
    png_width, png_height = png_size(png)
    assert png_width == width and png_height > 768
    assert png.stat().st_size > 20_000
