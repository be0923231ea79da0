"""Rule build_explorer: the self-contained HTML results explorer from the summary tables."""

from pathlib import Path

import pandas as pd

from powerhungry.analysis.compare import DESCRIBED
from powerhungry.explorer import build_explorer, read_optional_table, table_provenance
from powerhungry.logs import log_to

with log_to(snakemake.log[0]):
    # The paper comparison is optional: a run without it (or with an empty one) still gets a page.
    tables = {
        "cells": snakemake.input.cells,
        "quality": snakemake.input.quality,
        "comparison": snakemake.input.get("comparison"),
        "comparison setup": snakemake.input.get("setup"),
        "measurements": snakemake.input.measurements,
    }
    build_explorer(
        cells=pd.read_csv(tables["cells"]),
        quality=read_optional_table(tables["quality"]),
        comparison=read_optional_table(tables["comparison"]),
        # Provenance as written, as text: a CUDA "12.10" or a version "2.0" must not become a float.
        measurements=read_optional_table(
            tables["measurements"], dtype={column: str for _, column in DESCRIBED}, low_memory=False
        ),
        out=Path(snakemake.output.html),
        title=snakemake.params.title,
        provenance={**table_provenance(tables), **snakemake.params.get("provenance", {})},
        max_relative_halfwidth=snakemake.params.max_relative_halfwidth,
        comparison_setup=read_optional_table(tables["comparison setup"]),
    )
    print(f"wrote {snakemake.output.html}")
