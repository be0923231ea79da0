"""The rerun command keeps the options that choose the workflow, config and profile."""

import shlex

from powerhungry.invocation import rerun_command, run_options


def test_the_runs_profile_and_config_are_kept_and_the_rest_left_out():
    argv = [
        "--profile", "profiles/slurm", "--cores", "8", "--configfile", "a.yaml", "my study.yaml",
        "--replace-workflow-config", "-n", "--config", "x=1", "--directory", "/work/s",
    ]  # fmt: skip
    assert run_options(argv) == [
        "--profile", "profiles/slurm", "--directory", "/work/s", "--configfile", "a.yaml",
        "my study.yaml", "--config", "x=1", "--replace-workflow-config",
    ]  # fmt: skip
    command = rerun_command(argv, ["results/measurements/t/m/d.csv"])
    assert shlex.split(command)[-2:] == ["--forcerun", "results/measurements/t/m/d.csv"]
    assert "'my study.yaml'" in command


def test_a_plain_run_reruns_with_no_options():
    assert rerun_command(["--cores", "2"], ["a.csv", "b.csv"]) == "snakemake --forcerun a.csv b.csv"
