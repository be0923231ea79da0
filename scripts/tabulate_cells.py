"""Rules score_quality and tabulate_lengths: one table over every cell's samples and predictions."""

from powerhungry.analysis.cell_tables import CellFiles, length_table, quality_table
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

TABLES = {"quality": quality_table, "lengths": length_table}

with log_to(snakemake.log[0]):
    cells = [CellFiles(**cell) for cell in snakemake.params.cells]
    table = TABLES[snakemake.params.table](cells)
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False))
