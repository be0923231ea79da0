"""Tables keyed by deployment scenario, and the scenarios compared (scenario_summary.csv), on
hand-computed measurement rows."""

import math

import pandas as pd
import pytest

from powerhungry.analysis.aggregate import gather_measurements, split_failed
from powerhungry.analysis.deployment import scenario_summary
from powerhungry.analysis.summary import summarize
from powerhungry.files import write_csv
from powerhungry.measure.repetitions import halfwidth_95

GEN = "text_generation"


def rows(scenario, model, dataset, energies, seconds, batch_size, dtype="float32", task=GEN):
    """A cell's query rows, one per repetition: `energies` kWh and `seconds` s over 1,000
    inferences each; scenario None: a row from before scenarios existed (no column)."""
    out = []
    for repetition, (energy, duration) in enumerate(zip(energies, seconds, strict=True)):
        row = dict(
            task=task,
            model_kind="task_specific",
            model=model,
            dataset=dataset,
            phase="query",
            repetition=repetition,
            n_inferences=1000,
            energy_kwh=energy,
            emissions_kg=energy * 0.4,
            duration_s=duration,
            gpu_energy_kwh=None,  # on the CPU
            cpu_energy_kwh=energy * 0.8,
            ram_energy_kwh=energy * 0.2,
            batch_size=batch_size,
            dtype=dtype,
        )
        if scenario is not None:
            row["scenario"] = scenario
        out.append(row)
    return out


def failed(scenario, model, dataset, error, batch_size, dtype):
    return dict(
        scenario=scenario,
        task=GEN,
        model_kind="task_specific",
        model=model,
        dataset=dataset,
        phase="failed",
        repetition=0,
        n_inferences=0,
        **dict.fromkeys(["duration_s", "energy_kwh", "emissions_kg", "gpu_energy_kwh"]),
        **dict.fromkeys(["cpu_energy_kwh", "ram_energy_kwh"]),
        error=error,
        batch_size=batch_size,
        dtype=dtype,
    )


@pytest.fixture
def tables(tmp_path):
    """measurements.csv and missing_cells.csv as aggregation writes them: the default
    scenario's cells from before scenarios existed (no scenario column), a batch-8 scenario,
    and a bfloat16 scenario whose one model could not run on the GPU."""
    files = {
        "a-d1.csv": rows(None, "a", "d1", [2.0, 2.2, 1.8], [50, 52, 48], 1),
        "a-d2.csv": rows(None, "a", "d2", [4.0, 4.0, 4.0], [100, 100, 100], 1),
        "a-d1@bs8.csv": rows("bs8", "a", "d1", [0.5, 0.6, 0.4], [10, 11, 9], 8),
        "a-d2@bs8.csv": rows("bs8", "a", "d2", [1.0, 1.0, 1.0], [20, 20, 20], 8),
        "a-d1@bf16.csv": [failed("bf16", "a", "d1", "UnsupportedDtypeError: no", 1, "bfloat16")],
        "a-d2@bf16.csv": [failed("bf16", "a", "d2", "UnsupportedDtypeError: no", 1, "bfloat16")],
    }
    for name, content in files.items():
        write_csv(tmp_path / name, content)
    measured, missing = split_failed(gather_measurements(sorted(tmp_path.glob("*.csv"))))
    lengths = pd.DataFrame(
        [
            {"task": GEN, "model_kind": "task_specific", "model": "a", "dataset": d,
             "scenario": s, "mean_input_tokens": 20.0, "mean_output_tokens": 10.0,
             "mean_inference_steps": None}
            for d in ("d1", "d2") for s in ("default", "bs8")
        ]
    )  # fmt: skip
    return measured, missing, lengths


def test_rows_from_before_scenarios_are_the_default_scenarios(tables):
    measured, missing, _ = tables
    assert measured.groupby("scenario").size().to_dict() == {"bs8": 6, "default": 6}
    # A failed cell of a scenario is measured again from its own file.
    assert missing["rerun"].str.endswith("results/measurements/text_generation/a/d1@bf16.csv").any()
    assert set(missing["dtype"]) == {"bfloat16"}


def test_every_summary_is_keyed_by_scenario(tables):
    measured, missing, lengths = tables
    summaries = summarize(measured, missing, lengths)
    models = summaries["model_summary"].set_index("scenario")
    # Model a: (2 + 4) / 2 kWh per 1,000 in the default scenario, (0.5 + 1) / 2 at batch 8.
    assert models.loc["default", "energy_kwh_per_1k"] == pytest.approx(3.0)
    assert models.loc["bs8", "energy_kwh_per_1k"] == pytest.approx(0.75)
    tasks = summaries["task_summary"].set_index("scenario")
    # The scenario whose every cell failed keeps its row: counted, its values empty.
    assert tasks.loc["bf16", "n_cells_missing"] == 2
    assert pd.isna(tasks.loc["bf16", "energy_kwh_per_1k_mean"])
    assert set(summaries["cell_summary"]["scenario"]) == {"default", "bs8"}


def test_the_scenarios_compared_per_model(tables):
    measured, missing, lengths = tables
    table = scenario_summary(measured, missing, lengths).set_index("scenario")
    assert list(table.index) == ["bf16", "bs8", "default"]
    bs8, default = table.loc["bs8"], table.loc["default"]
    assert (bs8["batch_size"], bs8["dtype"], bs8["datasets"]) == ("8", "float32", "d1; d2")
    assert bs8["energy_kwh_per_1k"] == pytest.approx(0.75)
    # Half-widths: Student t per cell, combined as sqrt(sum of squares) / n over the datasets.
    d1 = halfwidth_95([0.5, 0.6, 0.4])
    assert bs8["energy_kwh_per_1k_halfwidth_95"] == pytest.approx(math.sqrt(d1**2 + 0) / 2)
    # 10 generated tokens per inference: kWh per 1,000 tokens is a tenth of per 1,000 inferences.
    assert bs8["energy_kwh_per_1k_output_tokens"] == pytest.approx(0.075)
    # Latency: 15 ms per inference at batch 8 is 120 ms per batch; throughput its inverse.
    assert bs8["seconds_per_inference"] == pytest.approx(0.015)
    assert bs8["seconds_per_batch"] == pytest.approx(0.12)
    assert bs8["inferences_per_second"] == pytest.approx(1 / 0.015)
    assert bs8["inferences_per_second_halfwidth_95"] == pytest.approx(
        bs8["seconds_per_inference_halfwidth_95"] / 0.015**2
    )
    assert default["seconds_per_batch"] == pytest.approx(0.075)
    # Batch 8 uses a quarter of the default's energy, with an interval around it.
    assert bs8["energy_ratio_to_default"] == pytest.approx(0.25)
    assert bs8["energy_ratio_to_default_low"] < 0.25 < bs8["energy_ratio_to_default_high"]
    assert math.isnan(default["energy_ratio_to_default"])
    # bfloat16 could not run: its row says so and why, with no value (never 0).
    bf16 = table.loc["bf16"]
    assert (bf16["n_cells_missing"], bf16["n_datasets"]) == (2, 0)
    assert bf16["missing_reason"] == "UnsupportedDtypeError: no"
    assert (bf16["batch_size"], bf16["dtype"]) == ("1", "bfloat16")
    assert math.isnan(bf16["energy_kwh_per_1k"]) and math.isnan(bf16["seconds_per_batch"])


def test_a_ratio_says_whether_the_two_were_measured_on_one_host_and_when(tables):
    """The ratio's interval covers the repetitions only: what a comparison across machines or
    hours is exposed to (drift) is said beside it."""
    measured, _, _ = tables
    bs8 = measured["scenario"] == "bs8"
    measured = measured.assign(
        hostname=["node-b" if b else "node-a" for b in bs8],
        started_at=["2026-12-02T10:00:00Z" if b else "2026-12-01T22:00:00Z" for b in bs8],
    )
    table = scenario_summary(measured).set_index("scenario")
    assert table.loc["bs8", "same_host_as_default"] == False  # noqa: E712 (pandas' boolean)
    assert table.loc["bs8", "hours_apart_from_default"] == pytest.approx(12.0)
    assert pd.isna(table.loc["default", "same_host_as_default"])
    same = scenario_summary(measured.assign(hostname="node-a")).set_index("scenario")
    assert same.loc["bs8", "same_host_as_default"] == True  # noqa: E712


def test_a_ratio_needs_the_same_datasets(tables):
    measured, _, _ = tables
    partial = measured[~((measured["scenario"] == "bs8") & (measured["dataset"] == "d2"))]
    table = scenario_summary(partial).set_index("scenario")
    assert table.loc["bs8", "datasets"] == "d1"
    assert math.isnan(table.loc["bs8", "energy_ratio_to_default"])
    # Without lengths, and for a model that does not generate text, no energy per token.
    assert math.isnan(table.loc["bs8", "energy_kwh_per_1k_output_tokens"])
