"""The README's library example runs as written and measures both of its windows."""

from __future__ import annotations

import re
import subprocess
import sys

from helpers import REPO

MARKER = "<!-- library-example"


def readme_example() -> str:
    text = (REPO / "README.md").read_text()
    after = text[text.index(MARKER) :]
    block = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert block, "the README's library example has no python block after its marker"
    return block.group(1)


def test_the_readme_library_example_runs_and_measures():
    result = subprocess.run(
        [sys.executable, "-c", readme_example()],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    windows = re.findall(
        r"^(\S+): ([\d.]+) s, ([\d.]+) J, ([\d.]+) g CO2eq on (.+)$", result.stdout, re.MULTILINE
    )
    assert [w[0] for w in windows] == ["warm-up", "query"]
    assert all(float(seconds) > 0 and float(joules) > 0 for _, seconds, joules, _, _ in windows)
