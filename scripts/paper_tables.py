"""Rules tabulate_multi_purpose, tabulate_break_even and compare_with_paper: the paper's Tables 3
and 5 and the ours-vs-paper table, from this study's summaries."""

import pandas as pd

from powerhungry.analysis.paper_tables import break_even, comparison, multi_purpose_summary
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    if snakemake.rule == "tabulate_multi_purpose":
        table = multi_purpose_summary(pd.read_csv(snakemake.input.cells))
    elif snakemake.rule == "tabulate_break_even":
        table = break_even(pd.read_csv(snakemake.input.multi_purpose), snakemake.params.training)
    else:
        table = comparison(
            pd.read_csv(snakemake.input.tasks),
            pd.read_csv(snakemake.input.models),
            pd.read_csv(snakemake.input.paper, low_memory=False),
        )
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(table.to_string(index=False) if len(table) else "(no rows)")
