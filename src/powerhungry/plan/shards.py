"""Cells too long for one job, split into shards that fit `plan.max_job_hours`.

A cell is split by whole repetitions where one repetition fits a job, else each repetition by
ranges of its samples (the paper's Stable Diffusion XL cells: about 9.4 h a repetition on an
A100). Each shard is one job: it loads the model, warms up on its own samples, outside the
measured windows, and measures its query phase, so that a repetition's energy is the sum of its
shards' query energies over the same samples (`powerhungry.measure.shards`).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from itertools import pairwise
from pathlib import Path

# A job's fixed cost around the measured work (s): Snakemake's start-up, imports, CUDA and
# CodeCarbon's hardware detection. Measured: ~10 s on a 2-core CPU VM
# (benchmarks/results/harness_by_task.tsv); CUDA start-up and a cluster's shared file systems
# add more, so it is counted generously.
JOB_OVERHEAD_S = 120


class ShardingError(ValueError):
    """A cell that no job within plan.max_job_hours can hold even one inference of;
    `smallest_hours` is the shortest cap that holds it (h)."""

    def __init__(self, message: str, smallest_hours: float) -> None:
        super().__init__(message)
        self.smallest_hours = smallest_hours


@dataclass(frozen=True)
class Shard:
    """One job of a split cell: repetitions `first_repetition` to `stop_repetition` (excluded),
    each over samples `sample_start` to `sample_stop` (excluded) of the cell's sample."""

    index: int
    first_repetition: int
    stop_repetition: int
    sample_start: int
    sample_stop: int

    @property
    def name(self) -> str:
        """The shard's file name stem: its index, zero-padded (results/shards/.../<name>.csv)."""
        return f"{self.index:04d}"

    def splits_samples(self, samples: int) -> bool:
        """Whether the shard measures part of its repetition's `samples`: it cannot resume
        within itself, so its retry must fit the cap too (`split_cell`)."""
        return self.sample_stop - self.sample_start < samples

    def seconds(
        self,
        load_s: float,
        query_s_per_inference: float,
        warmup: int,
        startup_s: float = JOB_OVERHEAD_S,
    ) -> float:
        """Estimated duration of the shard's job (s), its `startup_s` included."""
        inferences = self.sample_stop - self.sample_start + warmup
        repetitions = self.stop_repetition - self.first_repetition
        return startup_s + repetitions * (load_s + query_s_per_inference * inferences)


def split_cell(
    repetitions: int,
    samples: int,
    warmup: int,
    load_s: float,
    query_s_per_inference: float,
    max_job_hours: float,
    safety_factor: float,
    startup_s: float = JOB_OVERHEAD_S,
    batch_size: int = 1,
) -> list[Shard]:
    """The shards of a cell whose one job would ask for more than `max_job_hours` (its estimate
    times `safety_factor`); [] for a cell one job holds. Durations in s per repetition (`load_s`),
    per inference, and per job (`startup_s`: start-up and the idle baseline). Ranges of samples
    start at multiples of `batch_size`, so that every batch is one the cell measures whole.

    Whole repetitions go together where one fits a job: a killed shard resumes from its last
    finished repetition (checkpoint). A repetition split over its samples cannot resume within
    itself, so its shards are sized to half the cap: the retry, asking twice as long, still
    fits. Ranges are as even as the count allows. Raises ShardingError naming the setting and
    the smallest cap that holds the cell when not even one inference fits."""
    cap_s = cap_seconds(max_job_hours)
    per_repetition = load_s + query_s_per_inference * (samples + warmup)
    if (startup_s + repetitions * per_repetition) * safety_factor <= cap_s:
        return []
    budget = cap_s / safety_factor - startup_s
    if 0 < per_repetition <= budget:
        jobs = math.ceil(repetitions / math.floor(budget / per_repetition))
        return [
            Shard(index, first, stop, 0, samples)
            for index, (first, stop) in enumerate(_even(repetitions, jobs))
        ]
    # The retry of a shard asks twice as long: that too within the cap.
    retry_budget = cap_s / (2 * safety_factor) - startup_s
    per_shard = math.floor((retry_budget - load_s) / query_s_per_inference) - warmup
    batches_per_shard = per_shard // batch_size
    if batches_per_shard < 1:
        smallest = min(
            startup_s + per_repetition,
            2 * (startup_s + load_s + query_s_per_inference * (batch_size + warmup)),
        )
        hours = math.ceil(smallest * safety_factor / 60) / 60  # jobs ask for whole minutes
        raise ShardingError(
            f"plan.max_job_hours {max_job_hours:g} is shorter than the smallest job of this cell "
            f"(start-up and one repetition, or one load, {warmup} warm-up and one measured "
            f"batch of {batch_size} twice for a retry; times safety_factor {safety_factor:g}); "
            "raise it to "
            f"at least {hours_text(hours)}",
            hours,
        )
    batches = math.ceil(samples / batch_size)
    ranges = [
        (start * batch_size, min(stop * batch_size, samples))
        for start, stop in _even(batches, math.ceil(batches / batches_per_shard))
    ]
    pieces = [
        (repetition, start, stop) for repetition in range(repetitions) for start, stop in ranges
    ]
    return [
        Shard(index, repetition, repetition + 1, start, stop)
        for index, (repetition, start, stop) in enumerate(pieces)
    ]


def cap_seconds(max_job_hours: float) -> float:
    """The longest job (s) of plan.max_job_hours: whole minutes, as jobs ask SLURM for them
    (`estimate.job_resources`), so that no job is planned for time its request lacks."""
    return math.floor(round(max_job_hours * 60, 6)) * 60  # 403 / 60 h is 403 min, not 402


def hours_text(hours: float) -> str:
    """`hours` as a max_job_hours to write: rounded up to 4 decimals, never in exponent form, so
    that the value written holds at least the whole minutes meant."""
    text = f"{math.ceil(hours * 10_000) / 10_000:.4f}".rstrip("0").rstrip(".")
    return text


def _even(count: int, parts: int) -> list[tuple[int, int]]:
    """`count` items in `parts` consecutive ranges whose sizes differ by at most one."""
    bounds = [round(count * part / parts) for part in range(parts + 1)]
    return list(pairwise(bounds))


def covers(shards: list[Shard], repetitions: int, samples: int) -> bool:
    """Whether `shards` measure every sample of every repetition exactly once."""
    pieces = sorted(
        (shard.first_repetition + r, shard.sample_start, shard.sample_stop)
        for shard in shards
        for r in range(shard.stop_repetition - shard.first_repetition)
    )
    expected = 0, 0
    for repetition, start, stop in pieces:
        if (repetition, start) != expected and (repetition, start) != (expected[0] + 1, 0):
            return False
        if (repetition, start) == (expected[0] + 1, 0) and expected[1] != samples:
            return False
        expected = repetition, stop
    return expected == (repetitions - 1, samples) if pieces else False


def read_layout(path: Path) -> list[Shard] | None:
    """The shards a split cell was planned with (its `layout.json`), None where none was
    recorded; ValueError naming the file for one that is not a list of shards."""
    if not path.is_file():
        return None
    try:
        return [Shard(**shard) for shard in json.loads(path.read_text())]
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{path} does not hold a list of shards ({error}): it is written by the workflow; "
            "delete it and, if the cell's shards were measured, their files beside it, to "
            "measure the cell again"
        ) from None


def write_layout(path: Path, shards: list[Shard]) -> None:
    """Record a split cell's shards, so that later estimates (a model sized once prepared, a
    changed cap) and the jobs themselves keep the ranges its shards measure."""
    from powerhungry.files import write_atomic

    text = json.dumps([asdict(shard) for shard in shards], indent=1) + "\n"
    write_atomic(path, lambda tmp: tmp.write_text(text))
