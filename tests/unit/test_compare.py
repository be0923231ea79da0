"""Two runs compared (powerhungry.analysis.compare, `powerhungry compare`), on the paper's own
measurements: the paper against itself, against itself changed, and read back from every kind
of path a run can be given as."""

import hashlib
import io
import json
import math
import subprocess
import tarfile

import pandas as pd
import pytest
from helpers import BIN, REPO

from powerhungry.analysis.compare import (
    INTENSITY,
    RunError,
    compare_runs,
    paper_rows,
    ratio_interval,
    read_run,
    setup_table,
    unmatched,
)

PAPER_TABLE = REPO / "resources" / "reference" / "paper" / "measurements.csv.gz"
NAMES = ("paper", "ours")
TEXT_CLASSIFICATION = "text_classification"


@pytest.fixture(scope="module")
def paper():
    return paper_rows(pd.read_csv(PAPER_TABLE, low_memory=False))


@pytest.fixture(scope="module")
def classification(paper):
    """The paper's text-classification rows: a run small enough to compare in a second."""
    return paper[paper["task"] == TEXT_CLASSIFICATION].reset_index(drop=True)


def test_the_paper_against_itself_is_one_everywhere(paper):
    table = compare_runs(paper, paper, NAMES)
    counts = table["level"].value_counts()
    assert (counts["task"], counts["model"], counts["cell"]) == (13, 80 + 8 * 3, 312)
    assert table["energy_ratio"].to_numpy() == pytest.approx(1.0)
    # Ten repetitions a cell: every interval is known, around 1, and does not exclude it.
    assert (table["energy_ratio_low_95"] < 1).all() and (table["energy_ratio_high_95"] > 1).all()
    assert not table["distinguishable"].any()
    cells = table[table["level"] == "cell"]
    assert set(cells["batch_size"]) == {"1"} and set(cells["dtype"]) == {"float32"}
    assert (cells["paper_n_cells"] == 1).all()
    tasks = table[table["level"] == "task"].set_index(["task", "model_kind"])
    assert tasks.loc[(TEXT_CLASSIFICATION, "task_specific"), "ours_n_cells"] == 8 * 3


def test_a_run_that_used_twice_the_energy_is_twice_with_an_interval_around_it(classification):
    doubled = classification.assign(
        energy_kwh=classification["energy_kwh"] * 2, emissions_kg=classification["emissions_kg"] * 2
    )
    table = compare_runs(classification, doubled, NAMES)
    assert table["energy_ratio"].to_numpy() == pytest.approx(2.0)
    assert (table["energy_ratio_low_95"] < 2).all() and (table["energy_ratio_high_95"] > 2).all()
    assert table["distinguishable"].all()  # the paper's cells vary by ~1%, not by 100%
    emissions = table["ours_emissions_g_per_1k"] / table["paper_emissions_g_per_1k"]
    assert emissions.to_numpy() == pytest.approx(2.0)


def test_cells_are_matched_by_protocol_and_only_in_common(classification):
    models = sorted(classification["model"].unique())
    ours = classification[classification["model"] != models[0]].copy()  # one model left out
    other = (ours["model"] == models[1]) & (ours["dataset"] == ours["dataset"].iloc[0])
    ours.loc[other, "dtype"] = "bfloat16"  # one cell measured at another precision
    ours = pd.concat([ours, ours[ours["model"] == models[2]].assign(model="ours/extra")])
    table = compare_runs(classification, ours, NAMES)
    cells = table[table["level"] == "cell"]
    assert models[0] not in set(table["model"]) and "ours/extra" not in set(table["model"])
    assert len(cells) == 16 * 3 - 3 - 1  # 8 task-specific and 8 multi-purpose models
    assert unmatched(classification, ours) == {
        "only_a": 3,
        "only_b": 3,
        "other_protocol": 1,
        "several_protocols": 0,
    }
    # The model with a cell at another precision is still compared over its datasets.
    model = table[(table["level"] == "model") & (table["model"] == models[1])]
    assert model["ours_n_cells"].tolist() == [3]


def test_tasks_and_models_are_compared_over_the_cells_both_measured(classification):
    """B measured a subset of A's models, identically: over shared cells every ratio is 1;
    over each run's own cells the task's mean is over other models, and the counts say so."""
    kept = sorted(classification["model"].unique())[::2]
    subset = classification[classification["model"].isin(kept)]
    shared = compare_runs(classification, subset, NAMES, shared_only=True)
    assert shared["energy_ratio"].to_numpy() == pytest.approx(1.0)
    tasks = shared[shared["level"] == "task"]
    assert (tasks["paper_n_cells"] == tasks["ours_n_cells"]).all()
    own = compare_runs(classification, subset, NAMES).query("level == 'task'")
    assert (own["paper_n_cells"] == 2 * own["ours_n_cells"]).all()
    assert own["energy_ratio"].to_numpy() != pytest.approx(1.0)


def test_a_cell_pooling_two_protocols_is_never_compared(classification):
    cell = classification[classification["model"] == classification["model"].iloc[0]]
    cell = cell[cell["dataset"] == cell["dataset"].iloc[0]]
    pooled = pd.concat([classification, cell.assign(dtype="float16")])
    cells = compare_runs(classification, pooled, NAMES).query("level == 'cell'")
    assert len(cells) == 47
    assert unmatched(classification, pooled)["several_protocols"] == 1


def test_an_unknown_interval_is_neither_distinguishable_nor_not(classification):
    once = classification[classification["repetition"] == 0]
    cells = compare_runs(once, once, NAMES).query("level == 'cell'")
    assert cells["energy_ratio_low_95"].isna().all()
    assert cells["distinguishable"].isna().all()


def test_a_repetition_without_energy_is_left_out_not_a_crash(classification):
    holed = classification.copy()
    holed.loc[holed.index[holed["phase"] == "query"][0], "energy_kwh"] = float("nan")
    table = compare_runs(classification, holed, NAMES)
    assert table["energy_ratio"].notna().all()


def test_rows_without_a_recorded_protocol_match_each_other_only(classification):
    unrecorded = classification.drop(columns=["batch_size", "dtype"])
    cells = compare_runs(unrecorded, unrecorded, NAMES).query("level == 'cell'")
    assert len(cells) == 48 and set(cells["dtype"]) == {"not recorded"}
    assert unmatched(classification, unrecorded)["other_protocol"] == 48


def test_the_ratio_interval_is_the_delta_method_on_the_log():
    ratio, low, high = ratio_interval(
        pd.Series([1.0, 1.0, 0.0, 1.0]),
        pd.Series([0.1, math.nan, 0.1, 0.1]),
        pd.Series([2.0, 2.0, 1.0, -1.0]),
        pd.Series([0.2, 0.2, 0.1, 0.1]),
    )
    width = math.sqrt(0.1**2 + 0.1**2)
    assert ratio[0] == 2.0 and low[0] == pytest.approx(2 / math.exp(width))
    assert high[0] == pytest.approx(2 * math.exp(width))
    assert ratio[1] == 2.0 and math.isnan(low[1]) and math.isnan(high[1])  # one repetition
    assert ratio[2:].isna().all() and low[2:].isna().all()  # nothing to divide by, or negative


def test_what_ours_read_instead_of_the_papers_dataset_is_carried(classification):
    dataset = classification["dataset"].iloc[0]
    ours = classification.assign(
        dataset_substitute=classification["dataset"].map({dataset: "someone/else"}).fillna("")
    )
    table = compare_runs(classification, ours, NAMES)
    named = f"{dataset} (someone/else)"
    assert set(table.loc[table["level"] == "task", "substituted_datasets"]) == {named}
    cells = table[table["level"] == "cell"]
    assert set(cells.loc[cells["dataset"] == dataset, "substituted_datasets"]) == {named}
    assert "substituted_datasets" not in compare_runs(classification, classification, NAMES)


def test_the_setup_states_hardware_versions_protocol_and_intensity(classification):
    ours = classification.assign(
        device="cpu",
        gpu_model="",
        gpu_count=0,
        gpu_driver="",
        codecarbon_version="3.2.6",
        dtype="bfloat16",
        carbon_intensity_setting="USA",
        emissions_kg=classification["energy_kwh"] * 0.369,
    )
    setup = setup_table(classification, ours, NAMES).set_index("property")
    assert setup.loc["GPU", "paper"] == "8 x NVIDIA A100-SXM4-80GB"
    assert setup.loc["GPU", "ours"] == "none"
    assert setup.loc["GPU driver", "paper"] == "not recorded"  # the paper's logs lack it
    assert pd.isna(setup.loc["GPU driver", "differs"])  # unknown: neither same nor different
    assert setup.loc["carbon intensity setting", "paper"] == "oregon"
    assert float(setup.loc[INTENSITY, "paper"]) == pytest.approx(138.75, abs=0.2)
    assert setup.loc[INTENSITY, "ours"] == "369"
    assert setup.loc["dtype", "ours"] == "bfloat16" and setup.loc["batch size", "ours"] == "1"
    differs = setup["differs"]
    assert differs[["GPU", "codecarbon", "dtype", INTENSITY]].all()
    assert not differs[["batch size", "cells measured"]].any()
    order = differs.map({True: 0, False: 2}).fillna(1).tolist()
    assert order == sorted(order)  # what differs is stated first, then what is unknown


def write_artifact(path, files, recorded=None):
    """A tar.gz laid out as `powerhungry artifact` writes one: files and a sha256 manifest
    (`recorded`: digests to record instead of the files' own)."""
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    manifest = {"files": {**digests, **(recorded or {})}}
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {**files, "ARTIFACT.json": json.dumps(manifest).encode()}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_a_run_is_read_from_a_folder_its_results_a_table_or_an_artifact(classification, tmp_path):
    tables = tmp_path / "run" / "results" / "tables"
    tables.mkdir(parents=True)
    classification.to_csv(tables / "measurements.csv", index=False)
    data = (tables / "measurements.csv").read_bytes()
    write_artifact(tmp_path / "run.tar.gz", {"results/tables/measurements.csv": data})
    for given in ("run", "run/results", "run/results/tables/measurements.csv", "run.tar.gz"):
        run = read_run(tmp_path / given)
        assert len(run) == len(classification), given
    # An artifact whose table is not the one its manifest recorded is refused.
    table = "results/tables/measurements.csv"
    write_artifact(tmp_path / "altered.tar.gz", {table: data}, recorded={table: "0" * 64})
    with pytest.raises(RunError, match="does not match the artifact's manifest"):
        read_run(tmp_path / "altered.tar.gz")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no run found"),
        ("task,model\nx,y\n", "not a measurements table .* no column model_kind"),
        ("", "not a measurements table"),
    ],
)
def test_a_path_without_a_run_is_refused_naming_it(tmp_path, content, message):
    path = tmp_path / "given"
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    with pytest.raises(RunError, match=message) as raised:
        read_run(path)
    assert str(path) in str(raised.value)


def test_a_missing_path_is_named_and_the_papers_table_reads_with_its_protocol(tmp_path):
    with pytest.raises(RunError, match="does not exist"):
        read_run(tmp_path / "nowhere")
    paper = read_run(PAPER_TABLE)
    assert set(paper["batch_size"]) == {1} and set(paper["dtype"]) == {"float32"}


def test_an_archive_that_is_not_an_artifact_is_refused(tmp_path):
    write_artifact(tmp_path / "other.tar.gz", {"README": b"not a run"})
    with pytest.raises(RunError, match=r"holds no results/tables/measurements\.csv"):
        read_run(tmp_path / "other.tar.gz")
    (tmp_path / "broken.tar.gz").write_bytes(b"not gzip")
    with pytest.raises(RunError, match="not a readable artifact"):
        read_run(tmp_path / "broken.tar.gz")


@pytest.mark.slow  # two processes importing pandas, scipy and matplotlib: seconds each
def test_the_command_states_the_differences_first_and_writes_tables_and_figure(
    classification, tmp_path
):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    classification.to_csv(a, index=False)
    classification.assign(
        energy_kwh=classification["energy_kwh"] * 3, codecarbon_version="3.2.6"
    ).to_csv(b, index=False)
    result = subprocess.run(
        [BIN / "powerhungry", "compare", a, b, "--out", tmp_path / "out"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    first = result.stdout.index("codecarbon")
    assert first < result.stdout.index("energy_ratio")
    assert "48 in common, 0 only in A, 0 only in B" in result.stdout
    table = pd.read_csv(tmp_path / "out" / "comparison.csv")
    assert table["energy_ratio"].to_numpy() == pytest.approx(3.0)
    setup = pd.read_csv(tmp_path / "out" / "comparison_setup.csv")
    assert setup.loc[0, "property"] == "codecarbon" and setup.loc[0, "differs"]
    assert (tmp_path / "out" / "comparison.png").read_bytes().startswith(b"\x89PNG")
    refused = subprocess.run(
        [BIN / "powerhungry", "compare", a, tmp_path / "nothing", "--out", tmp_path / "out"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "does not exist" in refused.stderr
    (tmp_path / "file").write_text("")
    unwritable = subprocess.run(
        [BIN / "powerhungry", "compare", a, b, "--out", tmp_path / "file"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert unwritable.returncode == 2 and "cannot be written" in unwritable.stderr
