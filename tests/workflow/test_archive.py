"""Reproducibility artifacts: unpacked elsewhere, the demo study dry-runs from them with nothing
left to measure."""

import json
import os
import re
import shlex
import shutil
import subprocess
import tarfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import BIN, run_snakemake

from powerhungry.artifact import LOCK, verify_artifact

pytestmark = pytest.mark.workflow

GIT = {
    **os.environ,
    "GIT_AUTHOR_NAME": "test",
    "GIT_AUTHOR_EMAIL": "test@example.org",
    "GIT_COMMITTER_NAME": "test",
    "GIT_COMMITTER_EMAIL": "test@example.org",
}


@pytest.fixture
def committed_run(demo_run, tmp_path):
    """The demo run as a git checkout (a fresh clone's state, plus what it measured)."""
    workdir = tmp_path / "run"
    shutil.copytree(demo_run, workdir, symlinks=True)  # copy2 keeps mtimes
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "demo"]):
        subprocess.run(["git", *command], cwd=workdir, env=GIT, check=True, timeout=60)
    return workdir


def unpack(archive, destination):
    with tarfile.open(archive) as tar:
        tar.extractall(destination, filter="tar")
    return destination


def planned_jobs(workdir):
    result = run_snakemake(workdir, "--profile", "profiles/demo", "-n", "--quiet", "rules")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    return output


def test_pip_artifact_is_intact_and_has_nothing_left_to_measure(committed_run, tmp_path):
    archive = tmp_path / "artifact.tar.gz"
    result = subprocess.run(
        [str(BIN / "powerhungry"), "artifact", str(archive), "--workdir", str(committed_run)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    unpacked = unpack(archive, tmp_path / "unpacked")
    assert verify_artifact(unpacked) == []
    locked = (unpacked / LOCK).read_text().split()
    assert any(line.startswith("torch==2.13.0") for line in locked)  # +cpu on a CPU build
    assert (unpacked / "results" / "tables" / "measurements.csv").is_file()
    assert not list((unpacked / "cache").rglob("*.safetensors"))  # models are fetched again
    # Without .snakemake/ metadata Snakemake goes by modification times, which the archive kept.
    output = planned_jobs(unpacked)
    assert "Nothing to be done" in output, output[-3000:]
    # It says how it was made: the command and the files its options name, which it holds.
    reproduce = json.loads((unpacked / "ARTIFACT.json").read_text())["reproduce"]
    assert reproduce["command"] == "snakemake --profile profiles/demo"
    assert reproduce["files"] == {"config/demo.yaml": True, "profiles/demo/config.yaml": True}
    # Its model manifests point into itself, never at the project it was made from.
    for manifest in (unpacked / "cache").rglob("models/*.json"):
        assert not Path(json.loads(manifest.read_text())["path"]).is_absolute(), manifest
    remeasure_one_cell(unpacked)
    compare_with_the_artifact(archive, unpacked, tmp_path / "compared")


def compare_with_the_artifact(archive, unpacked, out):
    """The artifact against its unpacked copy with one cell measured again: every cell in
    common, each the same measurement (ratio 1) but the one measured again."""
    result = subprocess.run(
        [str(BIN / "powerhungry"), "compare", str(archive), str(unpacked), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cells = pd.read_csv(out / "comparison.csv").query("level == 'cell'")
    measured = pd.read_csv(unpacked / "results" / "tables" / "cell_summary.csv")
    assert len(cells) == len(measured)
    assert f"{len(cells)} in common, 0 only in A, 0 only in B, 0 in both" in result.stdout
    again = (
        (cells["scenario"] == "default")  # its file is CELL, the default scenario's
        & (cells["model"] == "demo/tiny-bert-sentiment")
        & (cells["dataset"] == "short_reviews")
    )
    assert again.sum() == 1
    assert cells.loc[~again, "energy_ratio"].to_numpy() == pytest.approx(1.0, rel=1e-12)
    assert cells.loc[again, "energy_ratio"].iloc[0] != 1.0


CELL = "results/measurements/text_classification/demo--tiny-bert-sentiment/short_reviews.csv"
MANIFEST = "cache/demo/models/demo--tiny-bert-sentiment.json"


def remeasure_one_cell(unpacked):
    """As the README says: bring the models back (the artifact holds their manifests, not their
    weights; the manifests stay as they were), then force the cell. Only that cell is measured;
    its rows are new."""
    before = pd.read_csv(unpacked / CELL)
    manifest = (unpacked / MANIFEST).read_bytes()
    # Before the models are back, the cell's job fails saying what to run, in order.
    failed = run_snakemake(unpacked, "--profile", "profiles/demo", "--forcerun", CELL)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    assert "powerhungry restore-models config/demo.yaml" in output, output[-3000:]
    again_command = (
        f"then measure this cell again: snakemake --profile profiles/demo --forcerun {CELL}"
    )
    assert again_command in output, output[-3000:]
    restored = subprocess.run(
        [str(BIN / "powerhungry"), "restore-models", "config/demo.yaml"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "demo/tiny-bert-sentiment: restored" in restored.stdout
    assert (unpacked / MANIFEST).read_bytes() == manifest
    again = run_snakemake(unpacked, *shlex.split(again_command.split(": ", 1)[1])[1:])
    assert again.returncode == 0, again.stderr[-3000:]
    assert re.search(r"^measure_inference\s+1\s*$", again.stdout + again.stderr, re.MULTILINE)
    after = pd.read_csv(unpacked / CELL)
    assert len(after) == len(before) and not set(after["codecarbon_run_id"]) & set(
        before["codecarbon_run_id"]
    )
    # No git in the artifact: the rows name the commit it was made from.
    made_from = json.loads((unpacked / "ARTIFACT.json").read_text())["workflow_commit"]
    assert set(after["workflow_commit"]) == {f"{made_from}-artifact"}


def test_artifact_of_a_directory_outside_git_is_refused(tmp_path):
    result = subprocess.run(
        [
            str(BIN / "powerhungry"),
            "artifact",
            str(tmp_path / "a.tar.gz"),
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "is not a git checkout" in result.stderr
    assert not (tmp_path / "a.tar.gz").exists()


@pytest.mark.skipif(
    shutil.which("conda") is None,
    reason="snakemake --archive needs conda on PATH (every rule declares conda:); none here",
)
def test_snakemake_archive_dry_runs_elsewhere(committed_run, tmp_path):
    archive = tmp_path / "workflow.tar.gz"
    result = run_snakemake(committed_run, "--profile", "profiles/demo", "--archive", str(archive))
    assert result.returncode == 0, result.stderr[-3000:]
    planned_jobs(unpack(archive, tmp_path / "unpacked"))
