"""Rule tabulate_multi_purpose: the paper's Table 3 (multi-purpose models per task) from this
study's cell summary."""

import pandas as pd

from powerhungry.analysis.paper_tables import multi_purpose_summary
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table = multi_purpose_summary(pd.read_csv(snakemake.input.cells))
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False) if len(table) else "(no rows)")
