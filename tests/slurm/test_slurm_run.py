"""A small study run through the shipped SLURM profile on a real single-node SLURM cluster
(tests/slurm/local_cluster.sh, one fake GPU), compared with the same study run locally; and the
two ways a cluster can refuse the jobs (an unknown partition, no GPUs), which must fail with
SLURM's own message instead of hanging.

Needs root (the cluster is installed from Debian packages and started on this machine); skipped
with the reason where it cannot start, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import REPO, copy_workflow
from local_slurm import Cluster, Run, Snakemake, ci_profile, local_cluster, run_bounded

pytestmark = pytest.mark.slurm

MODEL = "demo/tiny-bert-sentiment"
DATASET = "short_reviews"
REPETITIONS = 1
PHASES = 2  # load, query
STUDY_FILE = "config/slurm-ci.yaml"
# Expected: about 2 minutes on SLURM (each job starts Snakemake, 4-5 s, and the two GPU jobs take
# turns on the one GPU), half a minute locally. The bounds only stop a hang.
SLURM_RUN_TIMEOUT_S = 600
LOCAL_RUN_TIMEOUT_S = 300
FAILING_RUN_TIMEOUT_S = 180


def small_study(repetitions: int = REPETITIONS, tiny: dict | None = None) -> dict:
    """config/demo.yaml cut down to one cheap model (its tiny spec updated by `tiny`) on one
    text classification dataset."""
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    [dataset] = [d for d in demo["datasets"] if d["id"] == DATASET]
    [model] = [m for m in demo["models"] if m["id"] == MODEL]
    model["tiny"].update(tiny or {})
    task = model["task"]
    return {
        "study": "slurm-ci",
        "cache_dir": demo["cache_dir"],
        "tasks": {task: demo["tasks"][task]},
        "datasets": [dataset],
        "models": [model],
        "protocol": {**demo["protocol"], "repetitions": repetitions},
    }


def workflow_with_study(folder: Path, **changes: object) -> Path:
    workdir = copy_workflow(folder)
    (workdir / STUDY_FILE).write_text(yaml.safe_dump(small_study(**changes), sort_keys=False))
    return workdir


STUDY_ARGS = ("--configfile", STUDY_FILE, "--replace-workflow-config")


def run_with_profile(
    workdir: Path, profile: Path, *extra: str, timeout: int, cluster: Cluster | None
) -> Run:
    return run_bounded(
        workdir, "--profile", str(profile), *STUDY_ARGS, *extra, timeout=timeout, cluster=cluster
    )


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with local_cluster() as running:
        yield running


@pytest.fixture(scope="module")
def runs(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The small study run through profiles/slurm (with the CI overlay) on the cluster, and,
    meanwhile, run locally as profiles/demo runs the demo: their workflow copies."""
    root = tmp_path_factory.mktemp("runs")
    here = workflow_with_study(root / "local")
    local = Snakemake(
        here, "--cores", "2", "--resources", "gpu=1", *STUDY_ARGS, timeout=LOCAL_RUN_TIMEOUT_S
    )
    try:
        on_slurm = workflow_with_study(root / "slurm")
        profile = ci_profile(root / "ci-slurm", partition="debug")
        run = run_with_profile(on_slurm, profile, timeout=SLURM_RUN_TIMEOUT_S, cluster=cluster)
        assert run.returncode == 0, run.output[-5000:]
    finally:
        local_run = local.finish()
    assert local_run.returncode == 0, local_run.output[-5000:]
    return {"slurm": on_slurm, "local": here}


def read_table(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_measurements_ran_as_slurm_gpu_jobs(runs: dict[str, Path], cluster: Cluster) -> None:
    """Every measurement row names the SLURM job that produced it: a job sbatch accepted for the
    measurement rule, with a GPU, that completed."""
    rows = read_table(runs["slurm"] / "results" / "tables" / "measurements.csv")
    assert len(rows) == REPETITIONS * PHASES
    assert (rows["slurm_job_id"] != "").all(), rows["slurm_job_id"]
    known = cluster.job_ids()
    for job_id in set(rows["slurm_job_id"]):
        assert job_id in known, f"SLURM does not know job {job_id}; it knows {known}"
        job = cluster.job(job_id)
        assert job["JobState"] == "COMPLETED", job
        assert job["Partition"] == "debug", job
        assert job["Comment"].startswith("rule_measure_inference_wildcards_"), job
        assert job["TresPerJob"] == "gres:gpu:1", job
    # SLURM gave the job the node's one (fake) GPU.
    assert set(rows["cuda_visible_devices"]) == {"0"}


def test_tables_have_the_structure_of_a_local_run(runs: dict[str, Path]) -> None:
    """Same tables, same columns, same number of rows (values differ: they are measurements)."""
    slurm_run, local_run = runs["slurm"], runs["local"]
    tables = sorted(p.name for p in (slurm_run / "results" / "tables").glob("*.csv"))
    assert tables == sorted(p.name for p in (local_run / "results" / "tables").glob("*.csv"))
    assert "measurements.csv" in tables
    for name in tables:
        on_slurm = read_table(slurm_run / "results" / "tables" / name)
        here = read_table(local_run / "results" / "tables" / name)
        assert list(on_slurm.columns) == list(here.columns), name
        assert len(on_slurm) == len(here), name
    local_rows = read_table(local_run / "results" / "tables" / "measurements.csv")
    assert set(local_rows["slurm_job_id"]) == {""}


# A BERT-base-sized model (about 0.9 s a repetition on a 2-core VM: loading 440 MB and 8
# inferences; a one-minute job measured 69 run alone, 26 in CI) and enough repetitions that one
# minute, SLURM's smallest time limit, cannot hold them all even on a machine twice as fast.
BERT_BASE = {"hidden_size": 768, "num_layers": 12}
LONG_REPETITIONS = 160
FIRST_LIMIT = "00:01:00"
# The retry has the time to finish, as the rule's retries have (its runtime is the cell's estimate
# times the safety factor times the attempt, powerhungry.plan.estimate.job_resources): two jobs
# whatever the machine's pace, not one a minute until the pace allows the last.
RETRY_LIMIT_MINUTES = 15
TIME_LIMIT_RUN_TIMEOUT_S = 1200
# A site whose GPUs are gres only: the GPU asked as a gres; one minute for the first attempt.
AS_GRES = (
    "--set-resources",
    *(
        f"{rule}:{setting}"
        for rule in ("measure_inference", "measure_shard")
        for setting in ("gpu=0", "gres=gpu:1", "cpus_per_task=1")
    ),
    f"measure_inference:runtime=1 if attempt == 1 else {RETRY_LIMIT_MINUTES}",
    "--retries",
    "2",
)


def test_a_cell_killed_at_its_time_limit_is_finished_by_the_retry(
    cluster: Cluster, tmp_path: Path
) -> None:
    """SLURM kills the measurement at its one-minute limit; the retried job resumes from the
    repetitions the killed one finished: every repetition once, as in an uninterrupted run, by
    more than one job. The GPU is asked as a gres, which keeps the rule's memory (its
    estimate), not the 4 GB default."""
    workdir = workflow_with_study(
        tmp_path / "workflow", repetitions=LONG_REPETITIONS, tiny=BERT_BASE
    )
    profile = ci_profile(tmp_path / "ci-slurm", partition="debug")
    # The table this test reads: the tables and figures after it are made on the submit host,
    # as in the runs above.
    table = "results/tables/measurements.csv"
    run = run_with_profile(
        workdir, profile, *AS_GRES, table, timeout=TIME_LIMIT_RUN_TIMEOUT_S, cluster=cluster
    )
    assert run.returncode == 0, run.output[-5000:]
    rows = read_table(workdir / "results" / "tables" / "measurements.csv")
    keys = sorted(zip(rows["repetition"].astype(int), rows["phase"], strict=True))
    assert keys == [(r, p) for r in range(LONG_REPETITIONS) for p in ("load", "query")]
    assert rows["slurm_job_id"].nunique() >= 2, "one job measured every repetition"
    jobs = [cluster.job(job_id) for job_id in sorted(cluster.job_ids(), key=int)]
    measured = [
        j
        for j in jobs
        if j["Comment"].startswith("rule_measure_inference_") and j["WorkDir"] == str(workdir)
    ]
    assert len(measured) >= 2, [j["JobState"] for j in measured]
    first, *retries = measured
    assert (first["JobState"], first["TimeLimit"]) == ("TIMEOUT", FIRST_LIMIT), first
    assert retries and retries[-1]["JobState"] == "COMPLETED", [j["JobState"] for j in measured]
    assert {j["TimeLimit"] for j in retries} == {f"00:{RETRY_LIMIT_MINUTES}:00"}, retries
    for job in measured:
        assert "gpu" in job["TresPerNode"] and "TresPerJob" not in job, job
        assert int(job["MinMemoryNode"].rstrip("M")) > 4000, job
    assert not list((workdir / "results" / "measurements").rglob("*.checkpoint.json"))


def assert_failed_with(run: Run, slurm_message: str, rule: str | None = None) -> None:
    """The run failed and SLURM's own words are in Snakemake's output and in its log file."""
    assert run.returncode != 0, run.output[-5000:]
    assert slurm_message in run.output, run.output[-5000:]
    assert slurm_message in run.log, run.log[-5000:]
    if rule is not None:
        assert f"Error in rule {rule}:" in run.output, run.output[-5000:]


def test_unknown_partition_fails_with_slurms_message(cluster: Cluster, tmp_path: Path) -> None:
    workdir = workflow_with_study(tmp_path / "workflow")
    profile = ci_profile(tmp_path / "ci-slurm", partition="nosuchpartition")
    # First, cheaply: does the profile's partition reach the jobs at all? A workflow profile
    # (profiles/default) replaces each top-level key it sets in a --profile, default-resources
    # included, so a slurm_partition there can be silently dropped.
    dry = run_with_profile(workdir, profile, "-n", timeout=FAILING_RUN_TIMEOUT_S, cluster=None)
    assert dry.returncode == 0, dry.output[-5000:]
    resources = [line for line in dry.output.splitlines() if line.strip().startswith("resources:")]
    assert resources
    dropped = [line.strip() for line in resources if "slurm_partition=nosuchpartition" not in line]
    assert not dropped, (
        "the slurm profile's default-resources (slurm_partition) do not reach the jobs: the "
        "workflow profile profiles/default sets default-resources too and replaces them. "
        f"Jobs' resources: {sorted(set(dropped))}"
    )
    run = run_with_profile(workdir, profile, timeout=FAILING_RUN_TIMEOUT_S, cluster=cluster)
    assert_failed_with(run, "Invalid partition name specified")


def test_a_profile_without_a_partition_stops_before_any_job(
    cluster: Cluster, tmp_path: Path
) -> None:
    workdir = workflow_with_study(tmp_path / "workflow")
    profile = ci_profile(tmp_path / "ci-slurm", partition="debug")
    settings = yaml.safe_load((profile / "config.yaml").read_text())
    del settings["default-resources"]["slurm_partition"]
    (profile / "config.yaml").write_text(yaml.safe_dump(settings))
    before = set(cluster.job_ids())
    run = run_with_profile(workdir, profile, timeout=FAILING_RUN_TIMEOUT_S, cluster=cluster)
    assert run.returncode != 0, run.output[-5000:]
    assert "no slurm_partition for the GPU jobs of measure_inference" in run.output
    assert "profiles/slurm/config.yaml, the line marked EDIT" in run.output
    assert set(cluster.job_ids()) == before  # nothing submitted
    assert not (workdir / "results" / "samples").exists()  # nothing fetched either


def test_gpu_job_on_a_cluster_without_gpus_fails_with_slurms_message(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Last in this module: it restarts the cluster without GPUs."""
    cluster.up(SLURM_CI_GPUS="0")
    workdir = workflow_with_study(tmp_path / "workflow")
    profile = ci_profile(tmp_path / "ci-slurm", partition="debug")
    until = ("--until", "measure_inference")  # the GPU job, not its siblings
    run = run_with_profile(workdir, profile, *until, timeout=FAILING_RUN_TIMEOUT_S, cluster=cluster)
    assert_failed_with(run, "Invalid generic resource (gres) specification", "measure_inference")
    assert not cluster.job_ids(), "a job was queued on a cluster that cannot run it"
