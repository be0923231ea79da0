"""The conda environment and the pip requirements pin the same packages."""

import yaml
from helpers import REPO


def requirement_lines(path):
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def test_conda_env_pip_list_equals_requirements():
    env = yaml.safe_load((REPO / "envs" / "powerhungry.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == requirement_lines(REPO / "requirements.txt")


def test_torch_is_pinned():
    assert "torch==2.13.0" in requirement_lines(REPO / "requirements.txt")
