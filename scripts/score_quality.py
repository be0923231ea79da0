"""Rule score_quality: the paper's Table 7, quality metrics of every cell, from its samples
and predictions."""

from powerhungry.analysis.cell_tables import CellFiles, quality_table
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table = quality_table([CellFiles(**cell) for cell in snakemake.params.cells])
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False))
