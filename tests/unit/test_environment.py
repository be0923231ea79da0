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
    """requirements.txt verbatim, then what GPU machines add (the rules' conda environments
    install torch's CUDA build from PyPI, beside which torchvision loads)."""
    env = yaml.safe_load((REPO / "envs" / "powerhungry.yaml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    gpu = REPO / "requirements-gpu.txt"
    assert requirement_lines(gpu)[0] == "-r requirements.txt"
    assert pip == requirement_lines(REPO / "requirements.txt") + own_pins(gpu)


def test_torch_is_pinned():
    assert "torch==2.13.0" in requirement_lines(REPO / "requirements.txt")


def test_every_declared_dependency_is_pinned():
    assert names(PYPROJECT["dependencies"]) <= names(own_pins(REPO / "requirements.txt"))
    extras = {r for group in PYPROJECT["optional-dependencies"].values() for r in group}
    assert names(extras) <= names(own_pins(REPO / "requirements-gpu.txt"))
    assert all("==" in line for line in own_pins(REPO / "requirements-gpu.txt"))


def test_the_studys_model_backends_are_declared_and_pinned():
    """Backends transformers needs for some of the paper's models but never imports up front:
    SentencePiece-only tokenizers (hub audit F7) everywhere, timm backbones (F3) where torch is
    the CUDA build (requirements-gpu.txt explains why not elsewhere)."""
    assert {"sentencepiece", "protobuf"} <= names(PYPROJECT["dependencies"])
    assert {"sentencepiece", "protobuf"} <= names(own_pins(REPO / "requirements.txt"))
    assert names(PYPROJECT["optional-dependencies"]["timm"]) == {"timm", "torchvision"}
    assert {"timm", "torchvision"} <= names(own_pins(REPO / "requirements-gpu.txt"))
