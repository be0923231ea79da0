"""Client code runs in a child process: huggingface_hub and datasets read `HF_ENDPOINT` and the
offline switches when imported, and the test process has imported them already with the test
session's offline settings (tests/conftest.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any


def run_client(code: str, env: dict[str, str], timeout: int = 120) -> Any:
    """Run `code` (dedented) in a fresh interpreter with `env`; returns the JSON value printed on
    its last line of stdout. A non-zero exit fails with the child's stderr."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return json.loads(result.stdout.splitlines()[-1])
