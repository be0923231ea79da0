"""What tests share besides fixtures: the repository, config validation, workflow copies and
runs, the smallest real study. Imported by test modules as `helpers` (tests/ is on sys.path)."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from snakemake.utils import validate

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SNAKEMAKE = str(BIN / "snakemake")
# Nothing the workflow needs is outside the repository; these are what a run leaves behind.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", ".snakemake", "results", "logs", "cache", "__pycache__", ".*_cache"
)
# A hub token in the environment of the demo run: no file the run writes may contain it.
SECRET_TOKEN = "hf_demoSecretToken0123456789"


def validated(config: dict) -> dict:
    """`config` checked against config/schema.yaml, with the schema's defaults filled in."""
    config = copy.deepcopy(config)
    validate(config, str(REPO / "config" / "schema.yaml"))
    return config


def copy_workflow(destination: Path) -> Path:
    """A clean copy of the workflow, as a fresh clone would have it."""
    shutil.copytree(REPO, destination, ignore=NOT_COPIED)
    return destination


def run_snakemake(
    workdir: Path, *args: str, timeout: int = 600, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`snakemake *args` in `workdir` with this environment's executables first on PATH."""
    return subprocess.run(
        [SNAKEMAKE, *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", **(env or {})},
    )


TINY_CLASSIFIER = {
    "architecture": "bert_sequence_classification",
    "hidden_size": 16,
    "num_layers": 1,
}


def alive(pid: int) -> bool:
    """The process exists and is not a zombie (ended, its status not yet collected)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def ended_within(pid: int, seconds: float) -> bool:
    """Whether the process has ended, waiting up to `seconds` for it."""
    deadline = time.monotonic() + seconds
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not alive(pid)


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


# Rows datasets hold that no one meant as input: empty, whitespace-only, zero-width, mixed
# scripts with an emoji, and far longer than any model's input. Every text task measures each:
# nothing is dropped, the long row is cut to the model's maximum, a decoder-only model is given
# its BOS token for an empty prompt (powerhungry.tasks.generation).
DEGENERATE_TEXTS = [
    "",
    "   ",
    "\u200b\u200b",
    "\n\t",
    "日本語 mixed Ελληνικά عربي 🙂",
    "word " * 3000,
]


def loaded(task: str, model_dir: Path, settings: dict | None = None, kind: str = "task_specific"):
    """The task runner of `task` (a `kind` model) with the model at `model_dir` loaded on the
    CPU in float32, as the tiny-model tests run it."""
    import torch

    from powerhungry.tasks import make_runner

    runner = make_runner(task, kind, settings or {})
    runner.load(model_dir, torch.device("cpu"), torch.float32)
    return runner
