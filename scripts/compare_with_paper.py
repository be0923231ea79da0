"""Rule compare_with_paper: this study beside the paper's own measurements
(resources/reference/paper), by `powerhungry.analysis.compare`: the ratio ours / paper per
task, model and cell both measured, and what differs between the two runs. Only the default
deployment scenario (the protocol's settings) is compared: the paper measured no other."""

import pandas as pd

from powerhungry.analysis.compare import compare_runs, paper_rows, setup_table
from powerhungry.columns import DEFAULT_SCENARIO, SCENARIO
from powerhungry.files import write_atomic
from powerhungry.logs import log_to

NAMES = ("paper", "ours")  # A, B: the ratio is ours / paper

with log_to(snakemake.log[0]):
    ours = pd.read_csv(snakemake.input.measurements, low_memory=False)
    ours = ours[ours[SCENARIO] == DEFAULT_SCENARIO]
    paper = paper_rows(pd.read_csv(snakemake.input.paper, low_memory=False))
    setup = setup_table(paper, ours, NAMES)
    table = compare_runs(paper, ours, NAMES)
    write_atomic(snakemake.output.setup, lambda tmp: setup.to_csv(tmp, index=False))
    write_atomic(snakemake.output.table, lambda tmp: table.to_csv(tmp, index=False))
    print(setup.to_string(index=False))
    print(table.to_string(index=False) if len(table) else "(no rows)")
