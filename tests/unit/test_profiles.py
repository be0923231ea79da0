"""The shipped profiles: what each job asks of a cluster, and that a retried job asks for more.

Resource values are Python expressions that Snakemake evaluates per job attempt."""

import pytest
import yaml
from helpers import REPO

PROFILES = REPO / "profiles"


def load(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def at_attempt(expression: object, attempt: int) -> object:
    return eval(str(expression), {"attempt": attempt})  # as Snakemake evaluates them


@pytest.mark.parametrize(
    ("resources", "label"),
    [
        (load("slurm")["default-resources"], "default"),
        (load("default")["set-resources"]["measure_inference"], "measure_inference"),
        (load("default")["set-resources"]["measure_idle_power"], "measure_idle_power"),
    ],
)
def test_a_retried_job_asks_for_more_time_and_memory(resources, label):
    for name in ("mem_mb", "runtime"):
        first, second = (at_attempt(resources[name], attempt) for attempt in (1, 2))
        assert second == 2 * first > 0, (label, name)


def test_gpu_jobs_ask_one_gpu_and_its_cpus_and_nothing_else_does():
    per_rule = load("default")["set-resources"]
    assert set(per_rule) == {"measure_inference", "measure_idle_power"}
    for rule in per_rule.values():
        assert rule["gpu"] == 1 and rule["cpus_per_gpu"] >= 1


def test_the_slurm_profile_is_the_only_one_with_default_resources():
    """A workflow profile's top-level key replaces the same key of a --profile: if
    profiles/default set default-resources, the partition of profiles/slurm would be dropped."""
    assert "default-resources" not in load("default")
    slurm = load("slurm")
    assert slurm["executor"] == "slurm" and slurm["retries"] >= 1 and slurm["rerun-incomplete"]
    assert "slurm_partition" in slurm["default-resources"]
