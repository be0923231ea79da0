"""The shipped profiles: what a job asks of a cluster by default, and that a retried job asks for
more. The GPU rules' own resources (from each cell's estimate) are tested by test_plan and by the
paper config's dry run through profiles/slurm.

Resource values are Python expressions that Snakemake evaluates per job attempt."""

import yaml
from helpers import REPO

PROFILES = REPO / "profiles"


def load(name: str) -> dict:
    return yaml.safe_load((PROFILES / name / "config.yaml").read_text())


def at_attempt(expression: object, attempt: int) -> object:
    return eval(str(expression), {"attempt": attempt})  # as Snakemake evaluates them


def test_a_retried_job_asks_for_more_time_and_memory():
    resources = load("slurm")["default-resources"]
    for name in ("mem_mb", "runtime"):
        first, second = (at_attempt(resources[name], attempt) for attempt in (1, 2))
        assert second == 2 * first > 0, name


def test_no_profile_sets_per_rule_resources():
    """Rules declare their own: a profile's set-resources for a rule would be replaced whole by
    a site's --set-resources (a GPU asked as gres, say), dropping the rule's time and memory."""
    for name in ("default", "demo", "slurm"):
        assert "set-resources" not in load(name), name


def test_the_slurm_profile_is_the_only_one_with_default_resources():
    """A workflow profile's top-level key replaces the same key of a --profile: if
    profiles/default set default-resources, the partition of profiles/slurm would be dropped."""
    assert "default-resources" not in load("default")
    slurm = load("slurm")
    assert slurm["executor"] == "slurm" and slurm["retries"] >= 1 and slurm["rerun-incomplete"]
    assert slurm["keep-going"] is True  # one failing cell does not stop the others' submission
    assert "slurm_partition" in slurm["default-resources"]
