"""Tables with one row (or a few) per cell, computed from its samples and predictions: quality
beside energy (the paper's Table 7) and input/output sizes (the paper's Table 4)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from powerhungry.columns import CELL_KEY, DATASET_SUBSTITUTE, DEFAULT_SCENARIO
from powerhungry.quality import score
from powerhungry.tasks import TASKS


@dataclass(frozen=True)
class CellFiles:
    task: str
    model: str
    model_kind: str
    dataset: str
    samples: str
    predictions: str
    dataset_substitute: str = ""  # the repository read in place of the paper's dataset
    scenario: str = DEFAULT_SCENARIO  # the deployment scenario its predictions were made in

    def key(self) -> dict[str, str]:
        """The cell's name, and what its dataset was read from if a substitute."""
        return {c: getattr(self, c) for c in (*CELL_KEY, DATASET_SUBSTITUTE)}


def quality_table(cells: Iterable[CellFiles]) -> pd.DataFrame:
    """Tidy: one row per cell and metric, with how many samples had a reference to score.
    Cells whose model failed have no predictions; missing_cells.csv lists them."""
    rows = []
    for cell in cells:
        predictions = pd.read_parquet(cell.predictions)
        if predictions.empty:
            continue
        scores = score(cell.task, cell.model_kind, pd.read_parquet(cell.samples), predictions)
        counts = {
            "n_samples": int(scores.pop("n_samples", 0)),
            "n_scored": int(scores.pop("n_scored", 0)),
        }
        rows += [
            {**cell.key(), "metric": metric, "value": value, **counts}
            for metric, value in scores.items()
        ]
    columns = [*CELL_KEY, DATASET_SUBSTITUTE, "metric", "value", "n_samples", "n_scored"]
    return pd.DataFrame(rows, columns=columns)


def is_blank(text: str) -> bool:
    """Whether `text` holds nothing to read: empty, or only whitespace and invisible format
    characters (Unicode category Cf: zero-width space and joiners, byte-order mark)."""
    return all(char.isspace() or unicodedata.category(char) == "Cf" for char in text)


def blank_inputs(task: str, samples: pd.DataFrame) -> int | None:
    """How many samples have every text input the task's runner reads (its roles,
    `tasks.TASKS[task].inputs`) blank (`is_blank`); None for a task without text inputs."""
    roles = [
        role
        for role in sorted(TASKS[task].inputs)
        if role in samples.columns
        and samples[role].dropna().map(lambda v: isinstance(v, str)).all()
        and samples[role].notna().any()
    ]
    if not roles:
        return None
    return int(samples[roles].map(lambda v: pd.isna(v) or is_blank(v)).all(axis=1).sum())


LENGTH_COLUMNS = [
    *CELL_KEY,
    DATASET_SUBSTITUTE,
    "n_samples",
    "n_blank_inputs",
    "mean_input_tokens",
    "mean_output_tokens",
    "n_truncated",
    "mean_image_width",
    "mean_image_height",
    "mean_inference_steps",
]


def length_table(cells: Iterable[CellFiles]) -> pd.DataFrame:
    """Mean input and output tokens per cell (images: size and steps), truncated samples, and
    samples whose text inputs are blank (`blank_inputs`; measured as they are, counted here);
    its columns (LENGTH_COLUMNS) even where no cell has predictions."""
    rows = []
    for cell in cells:
        predictions = pd.read_parquet(cell.predictions)
        if predictions.empty:  # the model failed: listed in missing_cells.csv
            continue
        samples = pd.read_parquet(cell.samples)
        rows.append(
            {
                **cell.key(),
                "n_samples": len(predictions),
                "n_blank_inputs": blank_inputs(cell.task, samples),
                "mean_input_tokens": predictions["input_tokens"].mean(),
                "mean_output_tokens": predictions["output_tokens"].mean(),
                "n_truncated": int(predictions["truncated"].sum()),
                "mean_image_width": predictions["image_width"].mean(),
                "mean_image_height": predictions["image_height"].mean(),
                "mean_inference_steps": predictions["inference_steps"].mean(),
            }
        )
    return pd.DataFrame(rows, columns=LENGTH_COLUMNS).astype({"n_blank_inputs": "Int64"})
