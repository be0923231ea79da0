"""`powerhungry preflight` against the Hub replica: every entry of a study checked before anything
is fetched, each problem named with its fix, all at once (issue 13, item 4)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO, SECRET_TOKEN, copy_workflow, run_snakemake
from hub_replica import HubReplica
from hub_replica.builders import parquet_dataset, script_dataset, tiny_model

from powerhungry.preflight import read_table

pytestmark = pytest.mark.replica

STAND_IN = b"\x00" * 4096


@pytest.fixture(scope="module")
def repos(hub_replica: HubReplica, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Datasets and models as a real study meets them on today's Hub; their commits by repo."""
    model = tiny_model(tmp_path_factory.mktemp("model"))
    config = json.loads(Path(model["config.json"]).read_bytes())
    deta = {**model, "config.json": json.dumps({**config, "model_type": "deta"}).encode()}
    # Weights only as a single-file checkpoint, which no loader reads.
    ckpt_only = {
        name: content
        for name, content in model.items()
        if not name.endswith((".safetensors", ".bin"))
    }
    ckpt_only["model.ckpt"] = STAND_IN
    main, export = script_dataset("pf_scripted")
    commits = {
        "pf-lab/reviews": hub_replica.add_dataset("pf-lab/reviews", parquet_dataset()),
        "pf-lab/gated-reviews": hub_replica.add_dataset(
            "pf-lab/gated-reviews", parquet_dataset(), gated=True
        ),
        "pf-lab/renamed-reviews": hub_replica.add_dataset(
            "pf-lab/renamed-reviews", parquet_dataset(), old_names=["pf-old/reviews"]
        ),
        "pf-lab/pf_scripted": hub_replica.add_dataset("pf-lab/pf_scripted", main),
        "pf-lab/sst2": hub_replica.add_model("pf-lab/sst2", model),
        "pf-lab/sst2-moved": hub_replica.add_model(
            "pf-lab/sst2-moved", model, old_names=["pf-old/sst2"]
        ),
        "pf-lab/gated-sst2": hub_replica.add_model("pf-lab/gated-sst2", model, gated=True),
        "pf-lab/deta": hub_replica.add_model("pf-lab/deta", deta),
        "pf-lab/ckpt-only": hub_replica.add_model("pf-lab/ckpt-only", ckpt_only),
    }
    hub_replica.add_dataset("pf-lab/pf_scripted", export, "refs/convert/parquet")
    return commits


def dataset(id: str, hub: str, **more: object) -> dict:
    return {
        "id": id,
        "task": "text_classification",
        "hub": hub,
        "config": "plain_text",
        "split": "test",
        "fields": {"text": "text", "label": "label"},
        "samples": 2,
        **more,
    }


def model(id: str, **more: object) -> dict:
    return {"id": id, "task": "text_classification", "source": "hub", **more}


GOOD_DATASETS = [dataset("reviews", "pf-lab/reviews")]
GOOD_MODELS = [model("pf-lab/sst2")]


def study(datasets: list[dict], models: list[dict]) -> dict:
    return {
        "study": "preflight",
        "tasks": {"text_classification": {}},
        "datasets": datasets,
        "models": models,
        "protocol": {"repetitions": 1, "device": "cpu", "idle_seconds": 1},
    }


def preflight(
    replica: HubReplica,
    tmp_path: Path,
    config: dict,
    token: str | None = None,
    *options: str,
    endpoint: str | None = None,
) -> tuple[subprocess.CompletedProcess[str], dict[str, dict[str, str]]]:
    """`powerhungry preflight [options]` on `config` in a child process pointed at the replica
    (or at `endpoint`): the process and the table's rows by entry id."""
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    table = tmp_path / "preflight.csv"
    env = {**replica.env, "HF_HOME": str(tmp_path / "hf")}
    env.pop("HF_TOKEN", None)
    if token:
        env["HF_TOKEN"] = token
    if endpoint:
        env["HF_ENDPOINT"] = endpoint
    command = [sys.executable, "-m", "powerhungry.cli", "preflight", *options]
    command += ["--configfile", str(path)]
    result = subprocess.run(
        [*command, "--out", str(table), "--workdir", str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env} | {"PYTHONPATH": str(REPO / "src")},
    )
    rows = {row["id"]: row for row in read_table(table)} if table.is_file() else {}
    return result, rows


def test_every_problem_is_listed_at_once_with_its_fix_and_no_weights_travel(
    hub_replica: HubReplica, repos: dict[str, str], tmp_path: Path
):
    config = study(
        [
            *GOOD_DATASETS,
            dataset("gated_reviews", "pf-lab/gated-reviews"),
            dataset("old_reviews", "pf-old/reviews"),
            dataset("no_such_revision", "pf-lab/reviews", revision="v9"),
            dataset("scripted", "pf-lab/pf_scripted"),
            dataset("no_such_repo", "pf-lab/never-published"),
        ],
        [
            *GOOD_MODELS,
            model("pf-old/sst2"),
            model("pf-lab/gated-sst2"),
            model("pf-lab/deta"),
            model("pf-lab/ckpt-only"),
        ],
    )
    hub_replica.clear_log()
    result, rows = preflight(hub_replica, tmp_path, config)

    assert result.returncode == 1, result.stderr[-3000:]
    status = {entry: row["status"] for entry, row in rows.items()}
    assert status == {
        "reviews": "ok",
        "gated_reviews": "error",
        "old_reviews": "moved",
        "no_such_revision": "error",
        "scripted": "error",
        "no_such_repo": "error",
        "pf-lab/sst2": "ok",
        "pf-old/sst2": "moved",
        "pf-lab/gated-sst2": "error",
        "pf-lab/deta": "unmeasurable",
        "pf-lab/ckpt-only": "error",
    }
    # Every entry in error is in the one message, with what to do about it.
    message = result.stderr
    assert "6 of 11 entries cannot be had as configured" in message
    for entry, fix in [
        ("gated_reviews", "log in (hf auth login) or set HF_TOKEN"),
        ("no_such_revision", "has no revision 'v9'"),
        ("scripted", "revision: refs/convert/parquet"),
        ("no_such_repo", "check the id on its Hub page"),
        ("pf-lab/gated-sst2", f"accept its conditions at {hub_replica.endpoint}/pf-lab/gated-sst2"),
        ("pf-lab/ckpt-only", "weights: random"),
    ]:
        line = next(line for line in message.splitlines() if f"'{entry}'" in line)
        assert fix in line, line
    assert "write hub: pf-lab/sst2-moved" in rows["pf-old/sst2"]["problem"]
    assert rows["old_reviews"]["moved_to"] == "pf-lab/renamed-reviews"
    assert "deta" in rows["pf-lab/deta"]["problem"]
    assert "missing_cells.csv" in rows["pf-lab/deta"]["problem"]

    good = rows["pf-lab/sst2"]
    assert good["commit"] == repos["pf-lab/sst2"] and good["weights_format"] == "safetensors"
    assert int(good["download_bytes"]) > 1_000_000  # model.safetensors with its descriptions
    assert rows["reviews"]["commit"] == repos["pf-lab/reviews"]
    assert int(rows["reviews"]["files"]) == 1 and int(rows["reviews"]["download_bytes"]) > 0
    # Descriptions were read to build the model on the meta device; no weights were fetched.
    for repo in ("pf-lab/sst2", "pf-lab/sst2-moved", "pf-lab/deta"):
        fetched = hub_replica.downloaded(repo)
        assert "config.json" in fetched, (repo, fetched)
        assert not [name for name in fetched if name.endswith((".safetensors", ".bin"))]
    assert hub_replica.problems() == []


def test_a_token_with_access_opens_the_gated_repos(
    hub_replica: HubReplica, repos: dict[str, str], tmp_path: Path
):
    config = study([dataset("gated_reviews", "pf-lab/gated-reviews")], [model("pf-lab/gated-sst2")])
    result, rows = preflight(hub_replica, tmp_path, config, token=SECRET_TOKEN)
    assert result.returncode == 0, result.stderr[-3000:]
    assert {row["status"] for row in rows.values()} == {"ok"}
    assert {row["gated"] for row in rows.values()} == {"True"}

    refused, rows = preflight(hub_replica, tmp_path, config, token="hf_someoneElse")
    assert refused.returncode == 1
    assert "with the account of the token in use" in rows["gated_reviews"]["problem"]


def test_a_reused_check_of_a_gated_repo_is_asked_again_without_the_token(
    hub_replica: HubReplica, repos: dict[str, str], tmp_path: Path
):
    config = study([*GOOD_DATASETS, dataset("gated", "pf-lab/gated-reviews")], GOOD_MODELS)
    first, _ = preflight(hub_replica, tmp_path, config, SECRET_TOKEN, "--reuse")
    assert first.returncode == 0, first.stderr[-3000:]
    hub_replica.clear_log()
    again, rows = preflight(hub_replica, tmp_path, config, None, "--reuse")
    assert again.returncode == 1
    assert "2 unchanged since the last check" in again.stdout  # reviews and the model
    assert {record.repo for record in hub_replica.requests} == {"pf-lab/gated-reviews"}
    assert rows["gated"]["status"] == "error"


def test_a_split_the_repo_lacks_and_a_model_under_the_wrong_task_are_errors(
    hub_replica: HubReplica, repos: dict[str, str], tmp_path: Path
):
    config = study(
        [*GOOD_DATASETS, dataset("no_split", "pf-lab/reviews", split="validation")],
        [*GOOD_MODELS],
    )
    config["tasks"]["summarization"] = {}
    config["datasets"].append({**dataset("news", "pf-lab/reviews"), "task": "summarization"})
    config["datasets"][-1]["fields"] = {"text": "text", "summary": "text"}
    config["models"].append(
        {**model("lab/as-summarizer"), "task": "summarization", "hub": "pf-lab/sst2"}
    )
    result, rows = preflight(hub_replica, tmp_path, config)
    assert result.returncode == 1
    assert "no data file of split 'validation'" in rows["no_split"]["problem"]
    assert "its files name test, train" in rows["no_split"]["problem"]
    problem = rows["lab/as-summarizer"]["problem"]
    assert rows["lab/as-summarizer"]["status"] == "error"
    assert "check the entry's task, tasks and kind" in problem and "\n" not in problem


def test_an_unreachable_hub_is_reported_once_and_nothing_else_is_asked(tmp_path: Path):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    silent.close()  # nothing listens there
    config = study(
        [*GOOD_DATASETS, dataset("gated", "pf-lab/gated-reviews")], [model("pf-lab/sst2")]
    )
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "0"}
    path = tmp_path / "study.yaml"
    path.write_text(yaml.safe_dump(config))
    command = [sys.executable, "-m", "powerhungry.cli", "preflight", "--configfile", str(path)]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "t.csv"), "--workdir", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env, "HF_ENDPOINT": f"http://127.0.0.1:{port}"}
        | {"PYTHONPATH": str(REPO / "src")},
    )
    assert result.returncode == 1
    assert result.stderr.count("cannot reach the Hub") == 1
    assert result.stderr.count("not checked: the Hub could not be asked") == 2
    offline = subprocess.run(
        [*command, "--out", str(tmp_path / "t.csv"), "--workdir", str(REPO)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env, "HF_HUB_OFFLINE": "1"} | {"PYTHONPATH": str(REPO / "src")},
    )
    assert offline.returncode == 1 and "HF_HUB_OFFLINE is set" in offline.stderr


@pytest.mark.workflow
def test_the_workflow_stops_before_its_first_job_and_keeps_what_was_measured(
    hub_replica: HubReplica, repos: dict[str, str], tmp_path: Path
):
    workflow = copy_workflow(tmp_path / "workflow")
    config = workflow / "config" / "replica.yaml"
    env = {**hub_replica.env, "HF_HOME": str(tmp_path / "hf")}
    common = ["--configfile", "config/replica.yaml", "--replace-workflow-config", "--cores", "2"]
    samples = workflow / "results" / "samples" / "text_classification"

    config.write_text(yaml.safe_dump(study(GOOD_DATASETS, GOOD_MODELS)))
    target = "results/samples/text_classification/reviews.parquet"
    first = run_snakemake(workflow, *common, target, env=env)
    assert first.returncode == 0, first.stderr[-4000:]
    sampled = (samples / "reviews.parquet").stat().st_mtime_ns

    bad = study(
        [*GOOD_DATASETS, dataset("scripted", "pf-lab/pf_scripted")],
        [*GOOD_MODELS, model("pf-lab/ckpt-only")],
    )
    config.write_text(yaml.safe_dump(bad))
    hub_replica.clear_log()
    stopped = run_snakemake(workflow, *common, "--keep-going", env=env)
    assert stopped.returncode != 0
    # Every problem, at once, before the first job.
    assert "2 of 4 entries cannot be had as configured" in stopped.stderr + stopped.stdout
    assert "preflight stopped the run before any job" in stopped.stderr
    assert "'scripted'" in stopped.stderr and "'pf-lab/ckpt-only'" in stopped.stderr
    assert "localrule" not in stopped.stderr  # no job started
    table = read_table(workflow / "results" / "preflight.csv")
    assert [row["status"] for row in table] == ["ok", "error", "ok", "error"]
    # Nothing was sampled, fetched or measured; the sample already taken is untouched, and the
    # entries checked before were not asked about again.
    assert not (samples / "scripted.parquet").exists()
    assert not list((workflow / "cache").glob("models/*.json"))
    assert (samples / "reviews.parquet").stat().st_mtime_ns == sampled
    asked = {record.repo for record in hub_replica.requests}
    assert asked == {"pf-lab/pf_scripted", "pf-lab/ckpt-only"}, asked

    # Dry runs never ask the Hub; fixed, the run goes on without taking the sample again.
    config.write_text(yaml.safe_dump(study(GOOD_DATASETS, GOOD_MODELS)))
    hub_replica.clear_log()
    plan = run_snakemake(workflow, *common, "--dry-run", "--quiet", "rules", env=env)
    assert plan.returncode == 0, plan.stderr[-4000:]
    assert "sample_dataset" not in plan.stdout and "prepare_model" in plan.stdout
    assert hub_replica.requests == []
