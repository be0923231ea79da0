"""The summarizer on hand-computed tables, and on the paper's own measurements (Table 2)."""

import subprocess
import warnings
from importlib.metadata import version

import pandas as pd
import pytest
from helpers import BIN, REPO

from powerhungry.analysis.deployment import scenario_summary
from powerhungry.analysis.summary import model_summary, summarize, task_summary

PAPER_TABLE = REPO / "resources" / "reference" / "paper" / "measurements.csv.gz"
# Table 2 of the paper: mean kWh per 1,000 inferences, task-specific models, printed to 3 decimals.
TABLE_2 = {
    "text_classification": 0.002,
    "extractive_qa": 0.003,
    "masked_language_modeling": 0.003,
    "token_classification": 0.004,
    "image_classification": 0.007,
    "object_detection": 0.038,
    "text_generation": 0.047,
    "summarization": 0.049,
    "image_captioning": 0.063,
    "image_generation": 2.907,
}


def row(
    model, dataset, repetition, energy_kwh, n=1000, phase="query", task="t", kind="task_specific"
):
    return dict(
        task=task,
        model=model,
        model_kind=kind,
        dataset=dataset,
        phase=phase,
        repetition=repetition,
        n_inferences=n,
        energy_kwh=energy_kwh,
        emissions_kg=energy_kwh * 0.5,
    )


def test_model_value_is_mean_over_datasets_of_mean_over_repetitions():
    table = pd.DataFrame(
        [
            row("a", "d1", 0, 1.0),
            row("a", "d1", 1, 3.0),
            row("a", "d1", 2, 2.0),  # mean 2
            row("a", "d2", 0, 6.0),  # mean 6 -> model a: (2 + 6) / 2 = 4, not the row mean 3
            row("a", "d1", 0, 100.0, phase="load"),  # load never counts
            row("b", "d1", 0, 0.5, n=500),  # 0.5 kWh per 500 -> 1.0 per 1,000
        ]
    )
    models = model_summary(table).set_index("model")
    assert models.loc["a", "energy_kwh_per_1k"] == pytest.approx(4.0)
    assert models.loc["a", "emissions_g_per_1k"] == pytest.approx(2000.0)
    assert models.loc["b", "energy_kwh_per_1k"] == pytest.approx(1.0)
    assert models.loc["a", "n_runs"] == 4
    tasks = task_summary(table).iloc[0]
    assert tasks["n_models"] == 2
    assert tasks["energy_kwh_per_1k_mean"] == pytest.approx(2.5)
    assert tasks["energy_kwh_per_1k_std"] == pytest.approx(2.1213203, rel=1e-6)
    assert tasks["energy_kwh_per_1k_median"] == pytest.approx(2.5)
    assert (tasks["energy_kwh_per_1k_min"], tasks["energy_kwh_per_1k_max"]) == (1.0, 4.0)


def test_a_task_whose_every_cell_failed_keeps_its_row_counted_and_empty():
    table = pd.DataFrame([row("a", "d1", 0, 1.0), row("a", "d1", 1, 3.0)])
    missing = pd.DataFrame(
        [
            {"task": "t", "model_kind": "task_specific", "model": "b", "dataset": "d1"},
            {"task": "u", "model_kind": "task_specific", "model": "c", "dataset": "d1"},
            {"task": "u", "model_kind": "task_specific", "model": "c", "dataset": "d2"},
        ]
    )
    tasks = task_summary(table, missing).set_index("task")
    assert tasks.loc["t", "n_cells_missing"] == 1 and tasks.loc["t", "n_models"] == 1
    assert (tasks.loc["u", "n_cells_missing"], tasks.loc["u", "n_models"]) == (2, 0)
    assert pd.isna(tasks.loc["u", "energy_kwh_per_1k_mean"])  # not measured: empty, never 0
    assert list(tasks.index) == ["t", "u"]  # measured tasks first


def test_what_the_cpu_did_not_measure_is_not_counted_as_zero():
    """On the CPU no cell has GPU energy or an idle baseline: the task's counts of unresolved
    above-idle cells and estimated GPU energy are empty, not 0 and False."""
    cpu = {"gpu_energy_above_idle_kwh": float("nan"), "gpu_energy_source": ""}
    table = pd.DataFrame([{**row("a", "d1", r, 1.0 + r), **cpu} for r in range(3)])
    tasks = task_summary(table)
    assert tasks["n_cells_above_idle_unresolved"].isna().all()
    assert tasks["gpu_energy_estimated"].isna().all()
    gpu = {"gpu_energy_above_idle_kwh": 0.5, "gpu_energy_source": "energy_counter"}
    table = pd.DataFrame([{**row("a", "d1", r, 1.0 + r), **gpu} for r in range(3)])
    tasks = task_summary(table)
    assert tasks["n_cells_above_idle_unresolved"].tolist() == [0]
    assert tasks["gpu_energy_estimated"].tolist() == [False]


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match="emissions_kg"):
        model_summary(pd.DataFrame([row("a", "d", 0, 1.0)]).drop(columns="emissions_kg"))


@pytest.mark.slow
def test_cli_reproduces_table_2_from_the_papers_measurements(tmp_path):
    result = subprocess.run(
        [BIN / "powerhungry", "summarize", PAPER_TABLE, "--out", tmp_path, "--in-paper"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = pd.read_csv(tmp_path / "task_summary.csv")
    task_specific = summary[summary["model_kind"] == "task_specific"].set_index("task")
    assert set(task_specific.index) == set(TABLE_2)
    # The paper measured one deployment setting: the default scenario's, batch size 1.
    scenarios = pd.read_csv(tmp_path / "scenario_summary.csv")
    assert set(scenarios["scenario"]) == {"default"} and len(scenarios) == 80 + 8 * 3
    for task, printed in TABLE_2.items():
        assert round(task_specific.loc[task, "energy_kwh_per_1k_mean"], 3) == printed, task
        assert task_specific.loc[task, "n_models"] == 8
        assert task_specific.loc[task, "n_runs"] == 240
    # The paper's printed std is over runs: image generation 3.31.
    assert (
        round(task_specific.loc["image_generation", "energy_kwh_per_1k_std_over_runs"], 2) == 3.31
    )
    assert (tmp_path / "model_summary.csv").exists()
    # Printed with four significant digits, the smallest value too.
    lines = [line.split() for line in result.stdout.splitlines()[1:]]
    # scenario, task, model kind, models, energy: the paper's one scenario, `default`.
    assert {words[0] for words in lines} == {"default"}
    printed = {(words[1], words[2]): words[4] for words in lines}
    smallest = task_specific["energy_kwh_per_1k_mean"].idxmin()
    value = task_specific.loc[smallest, "energy_kwh_per_1k_mean"]
    assert printed[(smallest, "task_specific")] == f"{value:.4g}"  # e.g. 0.002292


def test_the_command_line_says_its_version():
    result = subprocess.run(
        [BIN / "powerhungry", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == f"powerhungry {version('powerhungry')}"


@pytest.mark.slow
def test_cli_without_in_paper_warns_and_differs(tmp_path):
    result = subprocess.run(
        [BIN / "powerhungry", "summarize", PAPER_TABLE, "--out", tmp_path],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "--in-paper" in result.stderr
    summary = pd.read_csv(tmp_path / "task_summary.csv").set_index(["task", "model_kind"])
    # All ten image-generation models instead of the paper's eight (published.md: 2.586).
    assert (
        round(summary.loc[("image_generation", "task_specific"), "energy_kwh_per_1k_mean"], 3)
        != 2.907
    )


def test_substituted_datasets_are_named_at_every_level():
    """A cell read from a substitute (the config's `substitute`) says so in the cell, model and
    task tables; a table without the column (the paper's) gets none."""
    table = pd.DataFrame(
        [
            {**row("a", "oscar", 0, 1.0), "dataset_substitute": "HuggingFaceFW/fineweb"},
            {**row("a", "c4", 0, 2.0), "dataset_substitute": None},
            {**row("b", "c4", 0, 3.0), "dataset_substitute": None},
        ]
    )
    tables = summarize(table)
    cells = tables["cell_summary"].set_index(["model", "dataset"])["dataset_substitute"]
    assert cells.to_dict() == {
        ("a", "c4"): "",
        ("a", "oscar"): "HuggingFaceFW/fineweb",
        ("b", "c4"): "",
    }
    models = tables["model_summary"].set_index("model")["substituted_datasets"]
    assert models.to_dict() == {"a": "oscar (HuggingFaceFW/fineweb)", "b": ""}
    assert list(tables["task_summary"]["substituted_datasets"]) == ["oscar (HuggingFaceFW/fineweb)"]
    without = summarize(table.drop(columns="dataset_substitute"))
    assert all(
        "substituted_datasets" not in t and "dataset_substitute" not in t for t in without.values()
    )


def test_a_study_without_substitutes_reads_back_from_csv_as_none(tmp_path):
    """Read back from a CSV, an all-empty dataset_substitute column is float NaN: it still
    gives empty marks, without pandas' warning about filling floats with text."""
    path = tmp_path / "measurements.csv"
    pd.DataFrame([{**row("a", "d1", 0, 1.0), "dataset_substitute": ""}]).to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tables = summarize(pd.read_csv(path))
    assert list(tables["cell_summary"]["dataset_substitute"]) == [""]
    assert list(tables["task_summary"]["substituted_datasets"]) == [""]


def test_latency_and_energy_per_unit_of_work():
    """Seconds per inference from the query phase; energy per 1,000 input tokens where inputs
    have tokens, per 1,000 generated tokens where the model generates text, per image and per
    diffusion step for image generation (lengths.csv's mean sizes)."""
    table = pd.DataFrame(
        [
            {**row("gpt2", "wiki", r, 2.0, task="text_generation"), "duration_s": 50.0}
            for r in range(2)
        ]
        + [
            {**row("sd", "prompts", r, 3.0, task="image_generation"), "duration_s": 4000.0}
            for r in range(2)
        ]
        + [
            {**row("bert", "imdb", r, 0.5, task="image_classification"), "duration_s": 10.0}
            for r in range(2)
        ]
    )
    lengths = pd.DataFrame(
        [
            ("text_generation", "task_specific", "gpt2", "wiki", 20.0, 10.0, None),
            ("image_generation", "task_specific", "sd", "prompts", 15.0, 0.0, 50.0),
            ("image_classification", "task_specific", "bert", "imdb", 0.0, 1.0, None),
        ],
        columns=["task", "model_kind", "model", "dataset", "mean_input_tokens",
                 "mean_output_tokens", "mean_inference_steps"],
    )  # fmt: skip
    tables = summarize(table, lengths=lengths)
    cells = tables["cell_summary"].set_index("model")
    # 2 kWh per 1,000 inferences of 20 tokens in, 10 generated: 0.1 and 0.2 kWh per 1,000 tokens.
    assert cells.loc["gpt2", "energy_kwh_per_1k_input_tokens"] == pytest.approx(0.1)
    assert cells.loc["gpt2", "energy_kwh_per_1k_output_tokens"] == pytest.approx(0.2)
    assert cells.loc["gpt2", "seconds_per_inference_mean"] == pytest.approx(0.05)
    assert cells.loc["gpt2", "inferences_per_second"] == pytest.approx(20)
    assert pd.isna(cells.loc["gpt2", "energy_wh_per_image"])
    # 3 kWh per 1,000 images is 3 Wh an image; 50 steps: 0.06 Wh a step.
    assert cells.loc["sd", "energy_wh_per_image"] == pytest.approx(3.0)
    assert cells.loc["sd", "energy_wh_per_diffusion_step"] == pytest.approx(0.06)
    assert pd.isna(cells.loc["sd", "energy_kwh_per_1k_output_tokens"])  # an image, not text
    # A classifier: no input tokens counted (images), no text generated.
    assert (
        cells.loc["bert", ["energy_kwh_per_1k_input_tokens", "energy_kwh_per_1k_output_tokens"]]
        .isna()
        .all()
    )
    models = tables["model_summary"].set_index("model")
    assert models.loc["gpt2", "energy_kwh_per_1k_output_tokens"] == pytest.approx(0.2)
    assert models.loc["sd", "inferences_per_second"] == pytest.approx(0.25)
    assert "seconds_per_inference_mean" in tables["task_summary"].columns


def test_uncertainty_is_carried_from_cells_to_models_and_tasks():
    """A model's 95% half-width combines its cells' (sqrt of the sum of squares / n), a task's
    its models'; a value whose half-width is over the configured share of its mean, or unknown
    (one repetition), is marked imprecise and counted per task."""
    precise = [1.00, 1.01, 0.99]  # half-width 4.30 x 0.01 / sqrt(3) = 0.0248: 2.5% of the mean
    noisy = [1.0, 2.0, 3.0]  # 4.30 x 1 / sqrt(3) = 2.48: 124% of the mean
    table = pd.DataFrame(
        [row("m", "a", r, v) for r, v in enumerate(precise)]
        + [row("m", "b", r, v) for r, v in enumerate(noisy)]
        + [row("n", "a", 0, 1.0)]  # one repetition: precision unknown
    )
    tables = summarize(table, max_relative_halfwidth=0.1)
    cells = tables["cell_summary"].set_index(["model", "dataset"])
    assert cells["imprecise"].to_dict() == {("m", "a"): False, ("m", "b"): True, ("n", "a"): True}
    models = tables["model_summary"].set_index("model")
    a, b = (
        cells.loc[("m", "a"), "energy_kwh_per_1k_halfwidth_95"],
        cells.loc[("m", "b"), "energy_kwh_per_1k_halfwidth_95"],
    )
    assert models.loc["m", "energy_kwh_per_1k_halfwidth_95"] == pytest.approx(
        (a**2 + b**2) ** 0.5 / 2
    )
    assert models.loc["m", "imprecise"] and models.loc["n", "imprecise"]
    assert pd.isna(models.loc["n", "energy_kwh_per_1k_halfwidth_95"])
    task = tables["task_summary"].iloc[0]
    assert task["n_cells_imprecise"] == 2
    assert pd.isna(task["energy_kwh_per_1k_mean_halfwidth_95"])  # one model's is unknown
    loose = summarize(table, max_relative_halfwidth=2.0)["cell_summary"]
    assert loose["imprecise"].tolist() == [False, False, True]


def test_scenario_summary_marks_imprecise_energies_as_model_summary_does():
    """Per scenario, a model's energy half-width relative to its mean, imprecise over the
    configured share or unknown (one repetition); a model none of whose cells ran has neither
    (nothing was measured), never True or 0."""
    table = pd.DataFrame(
        [row("m", "a", r, v) for r, v in enumerate([1.00, 1.01, 0.99])]  # 2.5% of the mean
        + [row("m", "a", r, v) | {"scenario": "bs8"} for r, v in enumerate([1.0, 2.0, 3.0])]
        + [row("n", "a", 0, 1.0)]  # one repetition: precision unknown
    ).fillna({"scenario": "default"})
    table["duration_s"] = 10.0  # scenario_summary's latencies need it
    missing = pd.DataFrame(
        [{"scenario": "bs8", "task": "t", "model_kind": "task_specific", "model": "n",
          "dataset": "a", "error": "CUDA out of memory"}]
    )  # fmt: skip
    summary = scenario_summary(table, missing, max_relative_halfwidth=0.1)
    by_model = summary.set_index(["scenario", "model"])
    assert by_model["imprecise"].fillna("empty").to_dict() == {
        ("bs8", "m"): True,
        ("bs8", "n"): "empty",
        ("default", "m"): False,
        ("default", "n"): True,
    }
    relative = by_model["energy_kwh_per_1k_halfwidth_95"] / by_model["energy_kwh_per_1k"]
    assert by_model["relative_halfwidth_95"].tolist() == pytest.approx(
        relative.tolist(), nan_ok=True
    )
    assert by_model.loc[("default", "m"), "relative_halfwidth_95"] == pytest.approx(
        0.0248, abs=1e-4
    )
    loose = scenario_summary(table, missing, max_relative_halfwidth=2.0)
    assert loose["imprecise"].fillna("empty").tolist() == [False, "empty", False, True]
