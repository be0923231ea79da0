"""The rerun command keeps the options that choose the workflow, config and profile."""

import shlex

from powerhungry.invocation import config_files, named_files, rerun_command, run_options


def test_the_runs_profile_and_config_are_kept_and_the_rest_left_out():
    argv = [
        "--profile", "profiles/slurm", "--cores", "8", "--configfile", "a.yaml", "my study.yaml",
        "--replace-workflow-config", "-n", "--config", "x=1", "--directory", "/work/s",
    ]  # fmt: skip
    assert run_options(argv) == [
        "--profile", "profiles/slurm", "--directory", "/work/s", "--configfile", "a.yaml",
        "my study.yaml", "--config", "x=1", "--cores", "8", "--replace-workflow-config",
    ]  # fmt: skip
    command = rerun_command(argv, ["results/measurements/t/m/d.csv"])
    assert shlex.split(command)[-2:] == ["--forcerun", "results/measurements/t/m/d.csv"]
    assert "'my study.yaml'" in command


def test_a_local_run_keeps_its_cores_and_resources_and_a_site_its_gpu_request():
    argv = [
        "--cores",
        "2",
        "--resources",
        "gpu=1",
        "-n",
        "--set-resources",
        "m:gpu=0",
        "m:gres=gpu:1",
    ]
    assert rerun_command(argv, ["a.csv", "b.csv"]) == (
        "snakemake --cores 2 --resources gpu=1 --set-resources m:gpu=0 m:gres=gpu:1 "
        "--forcerun a.csv b.csv"
    )


def test_the_config_files_of_a_profile_are_followed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "config.yaml").write_text(
        "configfile: config/demo.yaml\nreplace-workflow-config: true\n"
    )
    assert config_files(["--profile", "p"]) == ["config/demo.yaml"]
    assert config_files(["--profile", "p", "--configfile", "mine.yaml"]) == ["mine.yaml"]
    assert config_files([]) == ["config/config.yaml"]
    assert config_files(["--configfile", "overlay.yaml"]) == ["config/config.yaml", "overlay.yaml"]
    assert named_files(["--profile", "p"]) == ["config/demo.yaml", "p/config.yaml"]
