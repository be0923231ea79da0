"""Rule compare_with_paper: this study's task and model means beside the paper's own
measurements (resources/reference/paper)."""

import pandas as pd

from powerhungry.analysis.paper_tables import comparison
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    table = comparison(
        pd.read_csv(snakemake.input.tasks),
        pd.read_csv(snakemake.input.models),
        pd.read_csv(snakemake.input.paper, low_memory=False),
    )
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False) if len(table) else "(no rows)")
