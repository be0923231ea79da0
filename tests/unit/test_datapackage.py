"""The results tables as a Frictionless Data Package and as parquet: small tables made by the
workflow's own code, validated by the `frictionless` library; the column registry's coverage."""

import json
import runpy

import frictionless
import pandas as pd
import pytest
from helpers import REPO

from powerhungry.analysis import summary
from powerhungry.analysis.aggregate import MISSING_COLUMNS, gather_measurements, split_failed
from powerhungry.analysis.cell_tables import length_table, quality_table
from powerhungry.analysis.compare import compare_runs, paper_rows, setup_table
from powerhungry.analysis.deployment import scenario_summary
from powerhungry.analysis.paper_tables import break_even, multi_purpose_summary
from powerhungry.datapackage import ARROW_TYPES, data_package, read_typed, write_parquet
from powerhungry.files import write_csv
from powerhungry.plan.estimate import PLAN_COLUMNS
from powerhungry.table_schema import COLUMNS, METRICS, TABLES, UndescribedError, describe

PAPER_TABLE = REPO / "resources" / "reference" / "paper" / "measurements.csv.gz"
NAMES = ("paper", "ours")  # as rule compare_with_paper names the runs
PROVENANCE = {
    "codecarbon_gpu_count": 0,
    "gpu_idle_power_w": None,
    "idle_duration_s": None,
    "gpu_energy_above_idle_kwh": None,
    "generation_length_forced": False,
    "dataset_substitute": "",
    "warmup_inferences": 1,
    "device": "cpu",
    "gpu_energy_source": "",
    "hostname": "node1",
    "slurm_job_id": "",
}


def measured_cell(model, dataset, energies, parameters=494018):
    """A cell's measurement file's rows, as a measurement job writes them: a load and a query
    row per repetition."""
    return [
        {
            "task": "text_classification",
            "model": model,
            "model_kind": "task_specific",
            "dataset": dataset,
            "phase": phase,
            "repetition": repetition,
            "n_inferences": 8 if phase == "query" else 0,
            "duration_s": 0.5,
            "energy_kwh": energy,
            "gpu_energy_kwh": None,
            "cpu_energy_kwh": energy / 2,
            "ram_energy_kwh": energy / 2,
            "emissions_kg": energy * 0.4,
            "model_parameters": parameters,
            "architecture_kind": "encoder_only",
            **PROVENANCE,
            "started_at": f"2026-12-01T19:37:4{repetition}.616+00:00",
            "ended_at": f"2026-12-01T19:37:4{repetition}.839+00:00",
        }
        for repetition, energy in enumerate(energies)
        for phase in ("load", "query")
    ]


def failed_cell(model, dataset):
    """The one row a cell whose model failed writes: no model description, no energy."""
    return [
        {
            "task": "text_classification",
            "model": model,
            "model_kind": "task_specific",
            "dataset": dataset,
            "dataset_substitute": "",
            "phase": "failed",
            "repetition": 0,
            **dict.fromkeys(["duration_s", "energy_kwh", "gpu_energy_kwh", "cpu_energy_kwh"]),
            **dict.fromkeys(["ram_energy_kwh", "emissions_kg"]),
            "n_inferences": 0,
            "error": "OutOfMemoryError: CUDA out of memory",
            "ended_at": "2026-12-01T19:38:00.000+00:00",
            "device": "cpu",
            "hostname": "node1",
        }
    ]


@pytest.fixture
def results(tmp_path):
    """results/ of a small study, one of whose cells failed: its tables, as the rules write
    them (CSV, by pandas), name -> path."""
    cells = {
        "a.csv": measured_cell("org/a", "reviews", [1e-6, 2e-6, 1.5e-6]),
        "b.csv": measured_cell("org/b", "reviews", [3e-6, 3.1e-6, 2.9e-6], parameters=1676288),
        "c.csv": failed_cell("org/c", "reviews"),
    }
    for name, rows in cells.items():
        write_csv(tmp_path / "measurements" / name, rows)
    measured, missing = split_failed(
        gather_measurements(sorted((tmp_path / "measurements").glob("*.csv")))
    )
    tables = tmp_path / "tables"
    tables.mkdir()
    measured.to_csv(tables / "measurements.csv", index=False)
    missing.to_csv(tables / "missing_cells.csv", index=False)
    summaries = summary.summarize(
        pd.read_csv(tables / "measurements.csv"), pd.read_csv(tables / "missing_cells.csv")
    )
    for name, table in summaries.items():
        table.to_csv(tables / f"{name}.csv", index=False)
    scenario_summary(
        pd.read_csv(tables / "measurements.csv"), pd.read_csv(tables / "missing_cells.csv")
    ).to_csv(tables / "scenario_summary.csv", index=False)
    training = [{"model": "org/a", "training_kwh": 10.0, "finetuning_kwh": 1.0, "source": "x"}]
    multi_purpose = multi_purpose_summary(pd.read_csv(tables / "cell_summary.csv"))
    multi_purpose.to_csv(tables / "multi_purpose.csv", index=False)
    break_even(multi_purpose, training).to_csv(tables / "break_even.csv", index=False)
    # Beside the paper, whose models these are not: the task-level row only.
    measured = pd.read_csv(tables / "measurements.csv")
    paper = paper_rows(pd.read_csv(PAPER_TABLE, low_memory=False))
    paper = paper[paper["task"] == "text_classification"]
    compare_runs(paper, measured, NAMES).to_csv(tables / "comparison.csv", index=False)
    setup_table(paper, measured, NAMES).to_csv(tables / "comparison_setup.csv", index=False)
    return {path.stem: path for path in sorted(tables.glob("*.csv"))}


def test_a_package_of_real_tables_validates_with_frictionless(tmp_path, results):
    package = data_package(results, tmp_path, "a study")
    (tmp_path / "datapackage.json").write_text(json.dumps(package, indent=2))
    report = frictionless.validate(tmp_path / "datapackage.json")
    assert report.valid, report.flatten(["title", "type", "note", "fieldName", "rowNumber"])
    resources = {r["name"]: r for r in package["resources"]}
    assert resources["measurements"]["path"] == "tables/measurements.csv"
    fields = {f["name"]: f for f in resources["measurements"]["schema"]["fields"]}
    # The failed cell lacks it: still written, and described, as an integer.
    assert "494018" in (tmp_path / "tables" / "measurements.csv").read_text()
    parameters = fields["model_parameters"]
    assert (parameters["type"], parameters["unit"]) == ("integer", "count")
    assert fields["energy_kwh"]["unit"] == "kWh"
    assert fields["generation_length_forced"]["trueValues"] == ["True"]
    assert resources["cell_summary"]["schema"]["primaryKey"] == [
        "scenario",
        "task",
        "model_kind",
        "model",
        "dataset",
    ]
    # Each table's own columns, in its order: the demo's tables lack the GPU columns a GPU
    # study's have.
    assert [f["name"] for f in resources["missing_cells"]["schema"]["fields"]] == list(
        pd.read_csv(results["missing_cells"]).columns
    )
    comparison = pd.read_csv(results["comparison"])
    assert comparison["level"].tolist() == ["task"]  # a key with empty parts still validates
    assert resources["comparison_setup"]["schema"]["primaryKey"] == ["property"]


def test_parquet_holds_the_csv_with_the_packages_types(tmp_path, results):
    for name, path in results.items():
        write_parquet(name, path, path.with_suffix(".parquet"))
    measurements = pd.read_parquet(results["measurements"].with_suffix(".parquet"))
    assert str(measurements["ended_at"].dtype) == "datetime64[us, UTC]"
    assert measurements["model_parameters"].tolist() == [494018] * 6 + [1676288] * 6
    assert measurements["slurm_job_id"].isna().all()  # text, empty: missing, never a number
    cells = pd.read_parquet(results["cell_summary"].with_suffix(".parquet"))
    pd.testing.assert_frame_equal(cells, pd.read_csv(results["cell_summary"]), check_dtype=False)


def test_a_column_described_nowhere_stops_the_package_naming_it_and_the_fix(tmp_path, results):
    table = pd.read_csv(results["model_summary"]).assign(joules_per_token=1.0)
    table.to_csv(results["model_summary"], index=False)
    with pytest.raises(UndescribedError) as raised:
        data_package(results, tmp_path, "a study")
    message = str(raised.value)
    assert "'model_summary'" in message and "joules_per_token" in message
    assert "add each to COLUMNS in src/powerhungry/table_schema.py" in message
    with pytest.raises(UndescribedError, match=r"table 'energy' is not described: add it to"):
        data_package({"energy": results["model_summary"]}, tmp_path, "a study")


def test_a_value_that_does_not_fit_its_type_stops_the_parquet(tmp_path):
    path = tmp_path / "lengths.csv"
    path.write_text("task,model_kind,model,dataset,n_samples\nt,task_specific,m,d,8.5\n")
    with pytest.raises(ValueError, match=r"lengths.csv: a value does not fit .* '8.5'"):
        read_typed("lengths", path)


def test_every_column_the_table_code_writes_is_described():
    """Tables whose columns the code names (the summaries' are made by `results` above, a
    measurement job's rows in test_measure_cell.py, the demo's every table by the workflow)."""
    describe("plan", PLAN_COLUMNS)
    describe("missing_cells", MISSING_COLUMNS)
    describe("quality", quality_table([]).columns)
    describe("lengths", length_table([]).columns)
    describe("break_even", break_even(pd.DataFrame({"model": [], "task": []}), []).columns)


def test_the_registry_describes_every_metric_key_and_unit_of_work():
    assert list(METRICS) == list(summary.METRICS)
    for metric in METRICS:
        for name in (metric, f"{metric}_mean", f"{metric}_std_over_runs"):
            assert COLUMNS[name].unit == COLUMNS[metric].unit, name
    assert set(summary.UNIT_COLUMNS) <= set(COLUMNS)
    for name, table in TABLES.items():
        describe(name, table.primary_key)
    assert {c.type for c in COLUMNS.values()} <= set(ARROW_TYPES)


class Named(dict):
    """What Snakemake hands a script: names readable as attributes."""

    __getattr__ = dict.__getitem__


def test_the_rule_script_writes_the_package_and_a_parquet_per_table(tmp_path, results):
    parquet = [str(path.with_suffix(".parquet")) for path in results.values()]
    snakemake = Named(
        input=Named({name: str(path) for name, path in results.items()}),
        output=Named(datapackage=str(tmp_path / "datapackage.json"), parquet=parquet),
        params=Named(title="demo: results tables"),
        log=[str(tmp_path / "package_tables.log")],
    )
    runpy.run_path(str(REPO / "scripts" / "package_tables.py"), {"snakemake": snakemake})
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert package["title"] == "demo: results tables"
    assert [r["name"] for r in package["resources"]] == list(results)
    for name, path in results.items():
        assert len(pd.read_parquet(path.with_suffix(".parquet"))) == len(pd.read_csv(path)), name
