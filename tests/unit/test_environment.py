"""The conda environment and the pip requirements pin the same packages, and every dependency
pyproject.toml declares is pinned."""

import re
import tomllib

import yaml
from helpers import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def requirement_lines(path):
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def own_pins(path):
    """The `name==version` lines of a requirements file, not those of files it includes (-r)."""
    return [line for line in requirement_lines(path) if not line.startswith("-")]


def names(requirements):
    return {re.sub(r"[-_.]+", "-", re.split(r"[<>=!~ \[;]", r)[0]).lower() for r in requirements}


def test_conda_env_pip_list_equals_requirements():
    env = yaml.safe_load((REPO / "envs" / "powerhungry.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip == requirement_lines(REPO / "requirements.txt")


def test_torch_is_pinned():
    assert "torch==2.13.0" in requirement_lines(REPO / "requirements.txt")


def test_every_declared_dependency_is_pinned():
    assert names(PYPROJECT["dependencies"]) <= names(own_pins(REPO / "requirements.txt"))


def test_the_studys_model_backends_are_declared_and_pinned():
    """Backends transformers needs for some of the paper's models but never imports up front:
    SentencePiece-only tokenizers (hub audit F7)."""
    assert {"sentencepiece", "protobuf"} <= names(PYPROJECT["dependencies"])
    assert {"sentencepiece", "protobuf"} <= names(own_pins(REPO / "requirements.txt"))
