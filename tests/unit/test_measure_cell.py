"""One cell measured end to end with a real tracker and a tiny model. A failure writes nothing,
except a model's own failure (load error, out of memory), which is the cell's recorded result."""

import json
from contextlib import contextmanager
from dataclasses import replace

import pandas as pd
import pytest
import torch
from transformers import AutoModelForSequenceClassification

from powerhungry.data.sampling import write_sample
from powerhungry.measure import cell as cell_module
from powerhungry.measure.cell import (
    CellJob,
    ModelLoadError,
    measure_cell,
    measure_or_record_failure,
)
from powerhungry.measure.cell_files import CellOutputs
from powerhungry.measure.devices import UnsupportedDtypeError
from powerhungry.measure.meter import EnergyMeter
from powerhungry.measure.shards import ShardMismatchError, merge_shards
from powerhungry.plan.shards import Shard
from powerhungry.study import DatasetSpec, ModelSpec, Protocol
from powerhungry.table_schema import describe

PROTOCOL = Protocol(
    batch_size=2,
    repetitions=2,
    warmup_inferences=1,
    measure_power_secs=1,
    carbon_intensity="USA",
    device="cpu",
    dtype="float32",
)


@pytest.fixture
def cell(tmp_path, tiny_models):
    source = tmp_path / "texts.jsonl"
    source.write_text(
        "".join(json.dumps({"text": f"sample {i} was great"}) + "\n" for i in range(5))
    )
    dataset = DatasetSpec(
        id="texts",
        task="text_classification",
        split="test",
        samples=5,
        fields={"text": "text"},
        path=str(source),
    )
    samples = tmp_path / "texts.parquet"
    record = write_sample(
        dataset, str(samples), str(tmp_path / "texts.sha256"), str(tmp_path / "texts.json")
    )
    model = ModelSpec(
        id="org/tiny", task="text_classification", kind="task_specific", source="local"
    )
    manifest = {
        "path": str(tiny_models["bert_sequence_classification"]),
        "resolved_revision": "local",
    }
    outputs = CellOutputs(
        measurements=tmp_path / "out" / "texts.csv",
        codecarbon=tmp_path / "out" / "texts.codecarbon.csv",
        predictions=tmp_path / "out" / "texts.parquet",
    )
    job = CellJob(
        task="text_classification",
        runner_settings={},
        model=model,
        model_manifest=manifest,
        dataset=dataset,
        samples_path=samples,
        dataset_sha256=record.sha256,
        dataset_revision=record.revision or "",
        dataset_commit=record.commit or "",
        protocol=PROTOCOL,
        workflow_dir=tmp_path,
    )
    return Cell(job, outputs)


class Cell:
    """A cell's job and outputs, with the job's fields replaceable per test."""

    def __init__(self, job: CellJob, outputs: CellOutputs) -> None:
        self.job, self.outputs = job, outputs

    def __setitem__(self, name: str, value: object) -> None:
        self.job = replace(self.job, **{name: value})

    def measure(self, **options):
        return measure_cell(self.job, self.outputs, **options)

    def measure_or_record_failure(self):
        return measure_or_record_failure(self.job, self.outputs)


def test_cell_writes_tidy_rows_raw_codecarbon_and_predictions(cell):
    table = pd.DataFrame(cell.measure().rows)
    written = pd.read_csv(cell.outputs.measurements)
    assert len(written) == len(table) == 4  # 2 repetitions x (load, query)
    assert sorted(zip(written["repetition"], written["phase"], strict=True)) == [
        (0, "load"),
        (0, "query"),
        (1, "load"),
        (1, "query"),
    ]
    assert (written["energy_kwh"] > 0).all()
    # The query phase ran the 5 samples; a load runs none.
    assert written.groupby("phase")["n_inferences"].unique().to_dict() == {
        "load": [0],
        "query": [5],
    }
    assert (written["dataset_sha256"] == cell.job.dataset_sha256).all()
    # A local source has no revision and no commit: empty, never made up.
    assert written["dataset_revision"].isna().all() and written["dataset_commit"].isna().all()
    assert written["codecarbon_run_id"].nunique() == 2  # one tracker run per repetition
    assert set(written["torch_version"]) and (written["batch_size"] == 2).all()
    assert set(written["model_weights"]) == {"pretrained"}
    assert not written["generation_length_forced"].any()
    # Counted from the loaded model, the same in every repetition.
    model_dir = cell.job.model_manifest["path"]
    expected = AutoModelForSequenceClassification.from_pretrained(model_dir).num_parameters()
    assert set(written["model_parameters"]) == {expected}
    assert set(written["architecture_kind"]) == {"encoder_only"}
    describe("measurements", written.columns)  # every column is in the data package
    raw = pd.read_csv(cell.outputs.codecarbon)
    assert sorted(raw["task_name"]) == ["load", "load", "query", "query"]
    assert raw["energy_consumed"].sum() == pytest.approx(written["energy_kwh"].sum())
    predictions = pd.read_parquet(cell.outputs.predictions)
    assert predictions["sample_index"].tolist() == [0, 1, 2, 3, 4]


def test_a_failing_model_leaves_no_output(cell, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    cell["model_manifest"] = {"path": str(broken), "resolved_revision": "local"}
    with pytest.raises(ModelLoadError, match=r"model 'org/tiny': cannot load from .*broken"):
        cell.measure()
    out = tmp_path / "out"
    assert not out.exists() or not any(out.iterdir())


def test_a_model_that_does_not_load_is_recorded_as_a_failed_cell(cell, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    cell["model_manifest"] = {"path": str(broken), "resolved_revision": "local"}
    cell.measure_or_record_failure()
    (row,) = pd.read_csv(cell.outputs.measurements).to_dict("records")
    assert row["phase"] == "failed" and row["n_inferences"] == 0 and pd.isna(row["energy_kwh"])
    assert row["error"].startswith("ModelLoadError: model 'org/tiny': cannot load from")
    assert row["hostname"] and row["torch_version"]  # where and with what it failed
    assert pd.read_parquet(cell.outputs.predictions).empty


def test_out_of_memory_is_recorded_and_other_errors_fail_the_job(cell, monkeypatch):
    def out_of_memory(*args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(cell_module, "run_inferences", out_of_memory)
    cell.measure_or_record_failure()
    error = pd.read_csv(cell.outputs.measurements)["error"].item()
    assert error.startswith("OutOfMemoryError: CUDA out of memory")

    def tracker_broke(*args, **kwargs):
        raise RuntimeError("not the model's fault")

    for output in vars(cell.outputs).values():
        output.unlink()
    monkeypatch.setattr(cell_module, "run_inferences", tracker_broke)
    with pytest.raises(RuntimeError, match="not the model's fault"):
        cell.measure_or_record_failure()
    assert not any(output.exists() for output in vars(cell.outputs).values())


def test_a_sample_the_model_cannot_take_fails_the_cell_naming_it(cell, monkeypatch):
    """An error inside the model on one sample is the cell's recorded failure, naming the
    sample (index and text), so that the other cells go on; nothing is measured for it."""
    make_runner = cell_module.make_runner

    def failing_on_sample_2(*args, **kwargs):
        runner = make_runner(*args, **kwargs)
        infer = runner.infer

        def infer_or_fail(batch):
            if any(sample["sample_index"] == 2 for sample in batch):
                raise IndexError("index out of range in self")
            return infer(batch)

        runner.infer = infer_or_fail
        return runner

    monkeypatch.setattr(cell_module, "make_runner", failing_on_sample_2)
    cell.measure_or_record_failure()
    [row] = pd.read_csv(cell.outputs.measurements).to_dict("records")
    assert row["phase"] == "failed" and pd.isna(row["energy_kwh"])
    assert row["error"].startswith("SampleError: the model failed on sample 2 (")
    assert "IndexError: index out of range in self" in row["error"]


class ScriptedMeter(EnergyMeter):
    """An EnergyMeter whose query windows read given energies (kWh) in turn, so that a
    logical rule is tested on known numbers, not on this machine's noise."""

    def __init__(self, query_kwh, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.query_kwh = query_kwh

    def end_window(self, name):
        measured = super().end_window(name)
        if name == "query":
            self.results[-1] = replace(measured, energy_kwh=next(self.query_kwh))
        return self.results[-1]


@pytest.mark.parametrize(
    ("readings", "target", "expected"),
    [
        # n=2: 95% half-width 12.7 x 0.0071 / sqrt(2) = 6.4% of the mean
        ([1.0, 1.01, 1.0, 1.01], 0.1, 2),
        # n=3: 4.30 x 0.0058 / sqrt(3) = 1.4% of the mean (n=2 was 6.4% > 5%)
        ([1.0, 1.01, 1.0, 1.01], 0.05, 3),
        # never narrow: stops at max_repetitions
        ([1.0, 2.0, 1.0, 2.0], 0.01, 4),
    ],
)
def test_adaptive_repetitions_stop_by_the_rule(cell, readings, target, expected):
    cell["protocol"] = replace(
        PROTOCOL, repetitions=2, max_repetitions=4, target_relative_halfwidth=target
    )
    query_kwh = iter(readings)
    result = cell.measure(meter_factory=lambda *a, **k: ScriptedMeter(query_kwh, *a, **k))
    rows = pd.DataFrame(result.rows)
    assert sorted(set(rows["repetition"])) == list(range(expected))
    assert rows.loc[rows["phase"] == "query", "energy_kwh"].tolist() == readings[:expected]


class Killed(BaseException):
    """What a job's end by SIGKILL looks like to the code that was running: nothing after it
    runs (not an Exception, so nothing catches it as a model's failure)."""


def test_an_interrupted_cell_resumes_from_its_last_finished_repetition(cell):
    """Killed during its third repetition, the cell keeps the two it finished (checkpoint) and
    the next attempt measures from the third; adaptive stopping counts all of them, so the cell
    ends as an uninterrupted run would (3 repetitions for these readings), none counted twice."""
    cell["protocol"] = replace(
        PROTOCOL, repetitions=2, max_repetitions=4, target_relative_halfwidth=0.05
    )
    readings = iter([1.0, 1.01, 1.0, 1.01])
    started = []

    def killed_in_the_third(*args, **kwargs):
        if kwargs["project_name"] != "warm-up":
            started.append(1)
            if len(started) == 3:
                raise Killed
        return ScriptedMeter(readings, *args, **kwargs)

    with pytest.raises(Killed):
        cell.measure(meter_factory=killed_in_the_third)
    assert not cell.outputs.measurements.exists()
    saved = json.loads(cell.outputs.checkpoint.read_text())
    assert sorted({row["repetition"] for row in saved["rows"]}) == [0, 1]
    result = cell.measure(meter_factory=lambda *a, **k: ScriptedMeter(readings, *a, **k))
    rows = pd.read_csv(cell.outputs.measurements)
    assert sorted(zip(rows["repetition"], rows["phase"], strict=True)) == [
        (r, phase) for r in range(3) for phase in ("load", "query")
    ]
    assert rows.loc[rows["phase"] == "query", "energy_kwh"].tolist() == [1.0, 1.01, 1.0]
    kept = {row["codecarbon_run_id"] for row in saved["rows"]}
    assert kept < set(rows["codecarbon_run_id"]) and rows["codecarbon_run_id"].nunique() == 3
    assert len(result.codecarbon_rows) == len(pd.read_csv(cell.outputs.codecarbon)) == 6
    assert not cell.outputs.checkpoint.exists()


def test_a_checkpoint_of_another_spec_is_dropped_not_mixed_in(cell):
    cell.outputs.checkpoint.parent.mkdir(parents=True)
    stale = {"fingerprint": "another spec", "rows": [{"repetition": 0}], "codecarbon_rows": []}
    cell.outputs.checkpoint.write_text(json.dumps({**stale, "predictions": []}))
    rows = pd.DataFrame(cell.measure().rows)
    assert sorted(set(rows["repetition"])) == [0, 1] and len(rows) == 4
    assert not cell.outputs.checkpoint.exists()


def test_shards_of_a_cell_merge_into_the_rows_one_job_would_write(cell, tmp_path):
    """Two repetitions, each split over samples 0-3 and 3-5 (four jobs): the cell's query rows
    sum their shards' energies over all five samples, its load rows are one load each, every
    row says how many jobs its repetition took, and the predictions cover every sample."""
    shards = [Shard(i, r, r + 1, a, b) for i, (r, a, b) in enumerate(
        [(0, 0, 3), (0, 3, 5), (1, 0, 3), (1, 3, 5)]
    )]  # fmt: skip
    parts = []
    for shard in shards:
        folder = tmp_path / "shards"
        outputs = CellOutputs(
            measurements=folder / f"{shard.name}.csv",
            codecarbon=folder / f"{shard.name}.codecarbon.csv",
            predictions=folder / f"{shard.name}.parquet",
        )
        measure_cell(replace(cell.job, shard=shard), outputs)
        parts.append(outputs)
    first = pd.read_csv(parts[0].measurements)
    assert set(first["repetition"]) == {0}
    assert set(first.query("phase == 'query'")["n_inferences"]) == {3}
    merge_shards(parts, cell.outputs)
    rows = pd.read_csv(cell.outputs.measurements)
    assert sorted(zip(rows["repetition"], rows["phase"], strict=True)) == [
        (0, "load"), (0, "query"), (1, "load"), (1, "query")
    ]  # fmt: skip
    assert (rows["shards"] == 2).all() and "sample_start" not in rows
    describe("measurements", rows.columns)
    query = rows[rows["phase"] == "query"].set_index("repetition")
    assert (query["n_inferences"] == 5).all()
    shard_rows = pd.concat(pd.read_csv(part.measurements) for part in parts)
    shard_queries = shard_rows[shard_rows["phase"] == "query"].groupby("repetition")
    for column in ("energy_kwh", "emissions_kg", "duration_s"):
        assert query[column].tolist() == pytest.approx(shard_queries[column].sum().tolist())
    assert query["gpu_energy_kwh"].isna().all()  # a CPU cell: not measured, in no shard
    assert query["codecarbon_run_id"].str.count(";").eq(1).all()  # both shards' runs
    loads = rows[rows["phase"] == "load"]
    # The first shard's load, one per repetition, which runs no inference.
    assert (loads["n_inferences"] == 0).all()
    assert (
        loads["codecarbon_run_id"].tolist()
        == shard_rows.query("phase == 'load' and sample_start == 0")["codecarbon_run_id"].tolist()
    )
    assert pd.read_parquet(cell.outputs.predictions)["sample_index"].tolist() == [0, 1, 2, 3, 4]
    assert len(pd.read_csv(cell.outputs.codecarbon)) == 8  # every shard's load and query
    # Shards measured on another GPU model do not add up: refused, naming them.
    odd = pd.read_csv(parts[3].measurements).assign(gpu_model="NVIDIA H100 80GB HBM3")
    odd.to_csv(parts[3].measurements, index=False)
    with pytest.raises(ShardMismatchError, match=r"gpu_model: .*0003.csv: NVIDIA H100"):
        merge_shards(parts, cell.outputs)


def test_float16_on_a_cpu_only_job_is_the_cells_recorded_failure(cell, monkeypatch):
    """A scenario's dtype the job's device cannot compute in: nothing measured, and the cell
    recorded as missing with the reason (not a failed job), in its scenario."""
    cell["protocol"] = replace(PROTOCOL, device="auto", dtype="float16")
    cell["scenario"] = "fp16"
    monkeypatch.setattr("torch.cuda.is_available", lambda: False)
    with pytest.raises(UnsupportedDtypeError, match="float16 is not supported on the CPU"):
        cell.measure()
    assert not cell.outputs.measurements.exists()
    cell.measure_or_record_failure()
    (row,) = pd.read_csv(cell.outputs.measurements).to_dict("records")
    assert (row["phase"], row["scenario"], row["dtype"]) == ("failed", "fp16", "float16")
    assert row["error"].startswith("UnsupportedDtypeError: dtype float16 is not supported")
    assert pd.read_parquet(cell.outputs.predictions).empty


def test_a_scenarios_rows_name_it_and_its_settings(cell):
    """Rows of a scenario's cell carry its name, batch size and attention implementation,
    which reaches the model (transformers' attn_implementation)."""
    cell["protocol"] = replace(PROTOCOL, batch_size=4, attention="eager")
    cell["scenario"] = "bs4-eager"
    seen = []
    load = cell_module.make_runner

    def runner_of(task, kind, settings):
        seen.append(settings)
        return load(task, kind, settings)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cell_module, "make_runner", runner_of)
        cell.measure()
    written = pd.read_csv(cell.outputs.measurements)
    assert set(written["scenario"]) == {"bs4-eager"}
    assert set(written["batch_size"]) == {4} and set(written["attention"]) == {"eager"}
    assert seen == [{"attn_implementation": "eager"}]


def test_warm_up_runs_between_the_phases_outside_both(cell, monkeypatch):
    from powerhungry.tasks.base import TaskRunner

    events = []
    window = EnergyMeter.window

    def logged_phase(self, name):
        events.append(f"start {name}")
        with window(self, name):
            yield
        events.append(f"stop {name}")

    infer = TaskRunner.infer
    monkeypatch.setattr(EnergyMeter, "window", contextmanager(logged_phase))
    monkeypatch.setattr(
        TaskRunner, "infer", lambda self, s: events.append("infer") or infer(self, s)
    )
    cell["protocol"] = replace(PROTOCOL, repetitions=1, warmup_inferences=3, batch_size=1)
    cell.measure()
    assert events == [
        "start load",
        "stop load",
        *["infer"] * 3,
        "start query",
        *["infer"] * 5,
        "stop query",
    ]


def test_rows_carry_the_hub_revision_and_commit_the_sample_was_drawn_from(cell):
    cell["dataset_revision"] = "refs/convert/parquet"
    cell["dataset_commit"] = "0123456789abcdef0123456789abcdef01234567"
    context = cell_module.run_context(cell.job, torch.device("cpu"))
    assert context["dataset_revision"] == "refs/convert/parquet"
    assert context["dataset_commit"] == "0123456789abcdef0123456789abcdef01234567"


def test_a_substitute_datasets_rows_name_the_source_read_instead(cell, tmp_path):
    """An entry standing in for the paper's dataset (`substitute`) marks every row of its
    cells, measured or failed, with the source read; the paper's own leave it empty."""
    assert cell_module.run_context(cell.job, torch.device("cpu"))["dataset_substitute"] == ""
    cell["dataset"] = replace(cell.job.dataset, substitute="the paper's cannot be had")
    context = cell_module.run_context(cell.job, torch.device("cpu"))
    assert context["dataset_substitute"] == cell.job.dataset.path
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    cell["model_manifest"] = {"path": str(broken), "resolved_revision": "local"}
    (row,) = cell.measure_or_record_failure().rows
    assert row["phase"] == "failed" and row["dataset_substitute"] == cell.job.dataset.path


def test_an_architecture_transformers_removed_is_recorded_with_the_real_fix(cell, tmp_path):
    """DETA (gone from transformers 5): transformers' own advice is to upgrade, which cannot
    help; the failure row says what can."""
    deta = tmp_path / "deta"
    deta.mkdir()
    (deta / "config.json").write_text(json.dumps({"model_type": "deta"}))
    cell["model_manifest"] = {"path": str(deta), "resolved_revision": "local"}
    (row,) = cell.measure_or_record_failure().rows
    assert "does not recognize this architecture" in row["error"]
    assert "upgrading will not add one it removed" in row["error"]
