"""Headless Chromium for tests of the static pages the workflow writes (no driver, no network).

Each call is one short browser process: ``--dump-dom`` prints the DOM after the page's load
event (so after its inline scripts ran), ``--screenshot`` writes a PNG of the viewport. Filters
are preset through the page's URL fragment, which its script applies as a user's choice.

Tested with Debian bookworm's ``chromium`` 156 (``apt-get install --no-install-recommends
chromium``), as root in a container. Flags and why:

- ``--headless=new``: the current headless mode (the old one is gone from recent Chromium).
- ``--no-sandbox``: Chromium refuses to start as root with its sandbox (CI containers run as root).
- ``--disable-gpu``: no GPU in CI; skips probing for one.
- ``--disable-dev-shm-usage``: containers' /dev/shm is often 64 MB, too small for Chromium.
- ``--user-data-dir``: a fresh profile per call, so runs do not share state or lock each other.
- ``--no-first-run --no-default-browser-check --disable-extensions``: nothing but the page.
- ``--hide-scrollbars``: screenshots without a scrollbar strip.
- ``--enable-logging=stderr``: the page's console (and uncaught script errors) on stderr, where
  `dump_dom` looks for them: a page whose script throws fails instead of showing stale markup.

Chromium logs D-Bus connection errors on stderr in containers without a bus; they are harmless.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--hide-scrollbars",
    "--enable-logging=stderr",
)
# A cold start in a container takes about 2 s; a minute means the browser hangs.
TIMEOUT_S = 60


def find_chromium() -> str | None:
    """The first Chromium-like browser on PATH, or None."""
    return next((path for name in CANDIDATES if (path := shutil.which(name))), None)


def require_chromium() -> str:
    """The browser's path; skip the test without one, except in CI (CI=true), where a missing
    browser is a broken setup that must fail rather than quietly skip."""
    browser = find_chromium()
    if browser is None:
        reason = (
            "no headless browser: install Debian's chromium "
            "(apt-get install --no-install-recommends chromium)"
        )
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)
    return browser


def run_chromium(browser: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run with its own throw-away profile, bounded by TIMEOUT_S."""
    # Chromium's helpers may still touch the profile as it exits: cleanup must not fail the test.
    with tempfile.TemporaryDirectory(
        prefix="chromium-profile-", ignore_cleanup_errors=True
    ) as profile:
        result = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={profile}", *arguments],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    assert result.returncode == 0, f"chromium failed ({result.returncode}): {result.stderr[-3000:]}"
    return result


def script_errors(stderr: str) -> list[str]:
    """The page's uncaught JavaScript errors, from Chromium's console log lines."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line and "Uncaught" in line]


def dump_dom(browser: str, url: str) -> str:
    """The page's DOM as HTML, after its scripts ran on load; fails if a script threw."""
    result = run_chromium(browser, "--dump-dom", url)
    errors = script_errors(result.stderr)
    assert not errors, f"script errors on {url}: {errors}"
    return result.stdout


def screenshot(browser: str, url: str, png: Path, width: int = 1400, height: int = 1000) -> Path:
    """A PNG of the page's viewport at `width` x `height` pixels."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)  # a stale file must not pass for a new screenshot
    run_chromium(browser, f"--window-size={width},{height}", f"--screenshot={png}", url)
    return png


def visible_cells(dom: str) -> int:
    """Rows of the explorer's cell table in the rendered page (filtered-out rows are removed)."""
    return len(re.findall(r"<tr\b[^>]*\bdata-cell=", dom))
