"""The body of rule build_explorer (scripts/build_explorer.py): the self-contained HTML results
explorer from the summary tables. Imports pandas and the explorer at module level: the run's
fork server imports this module once, and the job's child inherits it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from powerhungry.analysis.compare import DESCRIBED
from powerhungry.explorer import page
from powerhungry.explorer.tables import read_optional_table, table_provenance


def build_explorer(smk: Any) -> None:
    """Write the explorer page (output.html) of a Snakemake job object: input.cells,
    input.quality, input.measurements, and, optional, input.comparison and input.setup (the
    paper comparison: a run without it, or with an empty one, still gets a page);
    params.title, params.max_relative_halfwidth and, optional, params.provenance."""
    tables = {
        "cells": smk.input.cells,
        "quality": smk.input.quality,
        "comparison": smk.input.get("comparison"),
        "comparison setup": smk.input.get("setup"),
        "measurements": smk.input.measurements,
    }
    page.build_explorer(
        cells=pd.read_csv(tables["cells"]),
        quality=read_optional_table(tables["quality"]),
        comparison=read_optional_table(tables["comparison"]),
        # Provenance as written, as text: a CUDA "12.10" or a version "2.0" must not become a float.
        measurements=read_optional_table(
            tables["measurements"], dtype={column: str for _, column in DESCRIBED}, low_memory=False
        ),
        out=Path(smk.output.html),
        title=smk.params.title,
        provenance={**table_provenance(tables), **smk.params.get("provenance", {})},
        max_relative_halfwidth=smk.params.max_relative_halfwidth,
        comparison_setup=read_optional_table(tables["comparison setup"]),
    )
    print(f"wrote {smk.output.html}")
