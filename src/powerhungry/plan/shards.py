"""Cells too long for one job, split into shards that fit `plan.max_job_hours`.

A cell is split by whole repetitions where one repetition fits a job, else each repetition by
ranges of its samples (the paper's Stable Diffusion XL cells: about 9.4 h a repetition on an
A100). Each shard is one job: it loads the model, warms up on its own samples, outside the
measured windows, and measures its query phase, so that a repetition's energy is the sum of its
shards' query energies over the same samples (`powerhungry.measure.shards`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# A job's fixed cost around the measured work (s): Snakemake's start-up, imports, CUDA and
# CodeCarbon's hardware detection. Measured: ~10 s on a 2-core CPU VM
# (benchmarks/results/harness_by_task.tsv); CUDA start-up and a cluster's shared file systems
# add more, so it is counted generously.
JOB_OVERHEAD_S = 120


class ShardingError(ValueError):
    """A cell that no job within plan.max_job_hours can hold even one inference of."""


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

    def seconds(self, load_s: float, query_s_per_inference: float, warmup: int) -> float:
        """Estimated duration of the shard's job (s), start-up included."""
        inferences = self.sample_stop - self.sample_start + warmup
        repetitions = self.stop_repetition - self.first_repetition
        return JOB_OVERHEAD_S + repetitions * (load_s + query_s_per_inference * inferences)


def split_cell(
    repetitions: int,
    samples: int,
    warmup: int,
    load_s: float,
    query_s_per_inference: float,
    max_job_hours: float,
    safety_factor: float,
) -> list[Shard]:
    """The shards of a cell whose one job would ask for more than `max_job_hours` (its estimate
    times `safety_factor`); [] for a cell one job holds. Durations in s per repetition (`load_s`)
    and per inference. Raises ShardingError naming the setting when not even one inference
    fits."""
    cap_s = max_job_hours * 3600
    per_repetition = load_s + query_s_per_inference * (samples + warmup)
    if (JOB_OVERHEAD_S + repetitions * per_repetition) * safety_factor <= cap_s:
        return []
    budget = cap_s / safety_factor - JOB_OVERHEAD_S
    if 0 < per_repetition <= budget:
        step = math.floor(budget / per_repetition)
        return [
            Shard(index, first, min(first + step, repetitions), 0, samples)
            for index, first in enumerate(range(0, repetitions, step))
        ]
    per_shard = math.floor((budget - load_s) / query_s_per_inference) - warmup
    if per_shard < 1:
        smallest = (JOB_OVERHEAD_S + load_s + query_s_per_inference * (1 + warmup)) * safety_factor
        raise ShardingError(
            f"plan.max_job_hours {max_job_hours:g} is shorter than the smallest job of this cell "
            f"(start-up, one load, {warmup} warm-up and one measured inference, times "
            f"safety_factor {safety_factor:g}: {smallest / 3600:.2f} h); raise it"
        )
    ranges = [
        (repetition, start)
        for repetition in range(repetitions)
        for start in range(0, samples, per_shard)
    ]
    return [
        Shard(index, repetition, repetition + 1, start, min(start + per_shard, samples))
        for index, (repetition, start) in enumerate(ranges)
    ]
