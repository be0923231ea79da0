"""What each part of the package pulls in: the meter stands alone, tables never load torch,
`measure` never reaches into `analysis`, and every third-party import is declared and pinned."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from importlib import metadata

import pytest
from helpers import REPO

PACKAGE = REPO / "src" / "powerhungry"
HEAVY = ("pandas", "snakemake", "torch", "transformers", "matplotlib")


def loaded_after(statement: str) -> set[str]:
    """The HEAVY modules a fresh interpreter has loaded after running `statement`."""
    probe = f"import sys\n{statement}\nimport json\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    return set(json.loads(result.stdout.splitlines()[-1])) & set(HEAVY)


def test_the_measurement_library_needs_neither_pandas_nor_snakemake():
    assert loaded_after("import powerhungry.measure") == set()
    assert loaded_after("from powerhungry.measure import EnergyMeter") == set()


@pytest.mark.parametrize(
    "module",
    [
        "powerhungry.analysis.aggregate",
        "powerhungry.analysis.summary",
        "powerhungry.analysis.paper_tables",
        "powerhungry.analysis.cell_tables",
        "powerhungry.cli",
    ],
)
def test_table_code_never_imports_torch(module):
    assert "torch" not in loaded_after(f"import {module}")


def imports_of(path) -> set[str]:
    """Absolute module names imported anywhere in a source file (top level or in functions)."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def test_measure_never_imports_analysis():
    for path in (PACKAGE / "measure").rglob("*.py"):
        offending = {n for n in imports_of(path) if n.startswith("powerhungry.analysis")}
        assert not offending, f"{path.name} imports {offending}"


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_third_party_import_is_declared_and_pinned():
    declared = {
        normalized(re.split(r"[<>=!~ \[]", d)[0])
        for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    }
    pinned = {
        normalized(line.split("==")[0])
        for line in (REPO / "requirements.txt").read_text().splitlines()
        if "==" in line.split("#")[0]
    }
    distributions = metadata.packages_distributions()
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for name in imports_of(path):
            top = name.split(".")[0]
            if top in sys.stdlib_module_names or top == "powerhungry":
                continue
            for distribution in distributions.get(top, [top]):
                used[normalized(distribution)] = f"{top} ({path.relative_to(REPO)})"
    assert {d: where for d, where in used.items() if d not in declared} == {}
    assert {d: where for d, where in used.items() if d not in pinned} == {}
