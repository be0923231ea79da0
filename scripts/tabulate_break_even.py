"""Rule tabulate_break_even: the paper's Table 5 (inferences for inference energy to equal
training energy) from this study's multi-purpose table and the configured training energies."""

import pandas as pd

from powerhungry.analysis.paper_tables import break_even
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table = break_even(pd.read_csv(snakemake.input.multi_purpose), snakemake.params.training)
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False) if len(table) else "(no rows)")
