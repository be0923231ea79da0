"""Rule merge_shards: a split cell's three files from its shards' (powerhungry.measure.shards)."""

from pathlib import Path

from powerhungry.logs import log_to
from powerhungry.measure.cell_files import CellOutputs
from powerhungry.measure.shards import merge_shards

with log_to(snakemake.log[0]):
    files = zip(
        snakemake.input.measurements,
        snakemake.input.codecarbon,
        snakemake.input.predictions,
        strict=True,
    )
    rows = merge_shards(
        [CellOutputs(Path(m), Path(c), Path(p)) for m, c, p in files],
        CellOutputs(
            measurements=Path(snakemake.output.measurements),
            codecarbon=Path(snakemake.output.codecarbon),
            predictions=Path(snakemake.output.predictions),
        ),
    )
    for row in rows:
        print(*(f"{k}={row.get(k)}" for k in ("phase", "repetition", "shards", "energy_kwh")))
