"""The paper's own durations, per cell, as a basis for planning: from
resources/reference/paper/measurements.csv.gz (CodeCarbon task rows of the paper's runs on one
A100-SXM4-80GB each, 1,000 unbatched inferences per run) and models.csv (parameter counts).

Read with the standard library: planning runs inside Snakemake's own process, where pandas
would add seconds to every job's start-up.
"""

from __future__ import annotations

import csv
import gzip
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from statistics import fmean

# The reference data, relative to the workflow's folder (where Snakemake and the CLI run).
REFERENCE = Path("resources/reference/paper")
# Phases of a paper run that load the model: pipeline construction, and for image generation
# the transfer to the GPU (README of the reference data).
LOAD_PHASES = ("load", "transfer")


@dataclass(frozen=True)
class LoggedCell:
    """One cell of the paper's Tables 2 and 3, mean over its repetitions: `load_s` (s per
    repetition: load and transfer), `query_s_per_inference` (s), and its model's `parameters`
    (None where models.csv has none)."""

    load_s: float
    query_s_per_inference: float
    parameters: int | None


CellKey = tuple[str, str, str, str]  # task, model_kind, model, dataset


@cache
def logged_cells(reference: Path = REFERENCE) -> dict[CellKey, LoggedCell]:
    """Every `in_paper` cell of the reference measurements, keyed as the config names cells
    (task, model_kind, model id as in the paper, dataset id as in the paper)."""
    parameters: dict[tuple[str, str, str], int] = {}
    with (reference / "models.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            if row["num_parameters"]:
                parameters[(row["task"], row["model_kind"], row["model"])] = int(
                    row["num_parameters"]
                )
    load: dict[CellKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    query: dict[CellKey, list[float]] = defaultdict(list)
    with gzip.open(reference / "measurements.csv.gz", "rt", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["in_paper"] != "True":
                continue
            key = (row["task"], row["model_kind"], row["model"], row["dataset"])
            duration = float(row["duration_s"])
            if row["phase"] in LOAD_PHASES:
                load[key][row["repetition"]] += duration
            elif row["phase"] == "query":
                query[key].append(duration / int(row["n_inferences"]))
    return {
        key: LoggedCell(
            load_s=fmean(load[key].values()),
            query_s_per_inference=fmean(per_inference),
            parameters=parameters.get(key[:3]),
        )
        for key, per_inference in query.items()
    }
