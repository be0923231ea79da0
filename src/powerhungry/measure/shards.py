"""A split cell's shards put together into the cell's three files, as if one job had measured it.

Shards of whole repetitions keep their rows. Where a repetition was split over ranges of its
samples, each shard loaded the model and measured the query phase of its own samples: the
repetition's query row is the sum of its shards' query energies, emissions, durations and
inferences (same samples, same GPU model, warm-up excluded: the plan's protocol), and its load
row is the load of its first shard (one load per repetition, as a whole-cell job measures it).
Every row says how many jobs its repetition took (`shards`); joined fields (CodeCarbon run ids,
SLURM job ids, hosts) list each shard's. A shard whose model failed makes the cell failed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import pyarrow as pa
import pyarrow.parquet as pq

from powerhungry.columns import FAILED_PHASE
from powerhungry.files import write_atomic, write_csv
from powerhungry.measure.cell_files import CellOutputs, read_csv_rows, write_cell

# Summed over a repetition's shards: what its query phase measured (s, kWh, kg CO2eq, count).
SUMMED = (
    "duration_s",
    "energy_kwh",
    "cpu_energy_kwh",
    "gpu_energy_kwh",
    "gpu_energy_above_idle_kwh",
    "ram_energy_kwh",
    "emissions_kg",
    "idle_duration_s",
)
# Listed, each shard's, where they differ: who measured which part.
JOINED = ("codecarbon_run_id", "slurm_job_id", "hostname", "started_at")
SHARD_COLUMNS = ("shard", "sample_start", "sample_stop")
# What must be the same in every shard of a cell for their energies to add up.
SAME_HARDWARE = ("device", "gpu_model", "codecarbon_gpu_model", "codecarbon_gpu_count")


class ShardMismatchError(ValueError):
    """Shards of one cell measured on different hardware: their energies do not add up."""


def merge_shards(shards: Sequence[CellOutputs], outputs: CellOutputs) -> list[dict[str, str]]:
    """Write the cell's files (`outputs`) from its shards' files, in shard order; return the
    cell's measurement rows. CSV values stay as the shards wrote them, except the sums."""
    per_shard = [read_csv_rows(shard.measurements) for shard in shards]
    rows = [row for shard_rows in per_shard for row in shard_rows]
    failed = [row for row in rows if row["phase"] == FAILED_PHASE]
    if failed:
        write_cell(outputs, [_without_shard(failed[0])], [], [])
        return [failed[0]]
    _check_same_hardware(per_shard, shards)
    by_repetition: dict[int, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_repetition[int(row["repetition"])].append(row)
    merged = [
        row
        for repetition in sorted(by_repetition)
        for row in _merge_repetition(by_repetition[repetition])
    ]
    codecarbon = [row for shard in shards for row in read_csv_rows(shard.codecarbon)]
    last = max(by_repetition)
    last_shards = [
        shard
        for shard, shard_rows in zip(shards, per_shard, strict=True)
        if any(int(r["repetition"]) == last for r in shard_rows)
    ]
    predictions = pa.concat_tables([pq.read_table(s.predictions) for s in last_shards])
    predictions = predictions.sort_by("sample_index")
    write_csv(outputs.codecarbon, codecarbon)
    write_atomic(outputs.predictions, lambda tmp: pq.write_table(predictions, tmp))
    write_csv(outputs.measurements, merged)
    return merged


def _check_same_hardware(
    per_shard: list[list[dict[str, str]]], shards: Sequence[CellOutputs]
) -> None:
    """Raise ShardMismatchError naming each shard's hardware where they differ (`per_shard`:
    each shard's measurement rows)."""
    for column in SAME_HARDWARE:
        values = {row.get(column, "") for rows in per_shard for row in rows}
        if len(values) > 1:
            seen = {
                str(shard.measurements): sorted({r.get(column, "") for r in rows})
                for shard, rows in zip(shards, per_shard, strict=True)
            }
            raise ShardMismatchError(
                f"the shards of this cell were measured on different hardware ({column}: "
                + "; ".join(f"{path}: {', '.join(v)}" for path, v in seen.items())
                + "): their energies do not add up. Name one GPU type in the profile "
                "(gpu_model or constraint) and measure the odd shards again with --forcerun"
            )


def _merge_repetition(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    """One repetition's rows from its shards: a load row and a query row."""
    ordered = sorted(rows, key=lambda row: int(row["sample_start"]))
    loads = [row for row in ordered if row["phase"] == "load"]
    queries = [row for row in ordered if row["phase"] == "query"]
    count = str(len(queries))
    load = {**_without_shard(loads[0]), "shards": count}
    query = {**_without_shard(queries[0]), "shards": count}
    if len(queries) > 1:
        for column in SUMMED:  # a quantity not measured in a shard is not measured at all
            values = [row.get(column, "") for row in queries]
            query[column] = "" if "" in values else repr(sum(map(float, values)))
        # Each shard's own baseline, weighted by its query's duration: the merged row's
        # baseline x its duration is then what the shards' above-idle energies removed.
        baselines = [row.get("gpu_idle_power_w", "") for row in queries]
        query["gpu_idle_power_w"] = (
            ""
            if "" in baselines
            else repr(
                sum(
                    float(b) * float(r["duration_s"])
                    for b, r in zip(baselines, queries, strict=True)
                )
                / float(query["duration_s"])
            )
        )
        query["n_inferences"] = str(sum(int(row["n_inferences"]) for row in queries))
        query["ended_at"] = queries[-1]["ended_at"]
        energy = float(query["energy_kwh"])
        query["carbon_intensity_g_per_kwh"] = repr(float(query["emissions_kg"]) / energy * 1000)
        for column in JOINED:
            values = list(dict.fromkeys(row.get(column, "") for row in queries))
            query[column] = values[0] if len(values) == 1 else ";".join(values)
    return [load, query]


def _without_shard(row: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in row.items() if key not in SHARD_COLUMNS}
