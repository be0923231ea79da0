"""Shared fixtures: the repository, a schema-validated demo config, tiny models, a workflow copy."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
# Nothing the workflow needs is outside the repository; these are what a run leaves behind.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "results", "logs", "cache", "__pycache__", ".*_cache"
)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def validated(config: dict) -> dict:
    config = copy.deepcopy(config)
    validate(config, str(REPO / "config" / "schema.yaml"))
    return config


@pytest.fixture
def demo_config() -> dict:
    """config/demo.yaml with the schema's defaults filled in, as the workflow sees it."""
    return validated(yaml.safe_load((REPO / "config" / "demo.yaml").read_text()))


TINY_LABELS = {
    "bert_token_classification": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"],
    "vit_image_classification": ["circle", "square"],
    "detr_object_detection": ["circle", "square"],
}


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every tiny architecture, built once per test session, by architecture name."""
    from powerhungry.models.tiny import BUILDERS, build_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    built = {}
    for architecture in BUILDERS:
        settings = {
            "architecture": architecture,
            "hidden_size": 32,
            "num_layers": 2,
            "labels": TINY_LABELS.get(architecture, ["NEGATIVE", "POSITIVE"]),
            "seed": 0,
        }
        build_tiny_model(settings, root / architecture)
        built[architecture] = root / architecture
    return built


def copy_workflow(destination: Path) -> Path:
    """A clean copy of the workflow, as a fresh clone would have it."""
    shutil.copytree(REPO, destination, ignore=NOT_COPIED)
    return destination


def run_snakemake(
    workdir: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SNAKEMAKE, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})},
    )


# A hub token in the environment of the demo run: no file the run writes may contain it.
SECRET_TOKEN = "hf_demoSecretToken0123456789"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo study run once, for real, in a fresh copy of the workflow."""
    workdir = copy_workflow(tmp_path_factory.mktemp("demo") / "workflow")
    result = run_snakemake(workdir, "--profile", "profiles/demo", env={"HF_TOKEN": SECRET_TOKEN})
    assert result.returncode == 0, result.stderr[-5000:]
    return workdir


TINY_CLASSIFIER = {
    "architecture": "bert_sequence_classification",
    "hidden_size": 16,
    "num_layers": 1,
}


def tiny_classifier(model_id: str) -> dict:
    """A model entry: a tiny sentiment classifier built locally."""
    return {
        "id": model_id,
        "task": "text_classification",
        "source": "tiny",
        "tiny": dict(TINY_CLASSIFIER),
    }


def small_study(**changes: object) -> dict:
    """One tiny classifier on the demo's short reviews, on the CPU: the smallest real study."""
    study = {
        "study": "small",
        "tasks": {"text_classification": {}},
        "datasets": [
            {
                "id": "reviews",
                "task": "text_classification",
                "path": "resources/demo/short_reviews.jsonl",
                "samples": 2,
            }
        ],
        "models": [tiny_classifier("test/tiny")],
        # A short idle baseline: the default 60 s would be a minute's sleep in every run.
        "protocol": {"repetitions": 1, "device": "cpu", "idle_seconds": 1},
    }
    study.update(changes)
    return study
