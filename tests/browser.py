"""Headless Chromium for tests of the static pages the workflow writes (no driver, no network).

Each `dump_dom` call is one short browser process: ``--dump-dom`` prints the DOM after the
page's load event (so after its inline scripts ran). Filters are preset through the page's URL
fragment, which its script applies as a user's choice.

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

What a dumped DOM cannot show (a click, a hover, a download, the layout at a phone's width, the
whole page's height in a screenshot), `DevToolsPage` drives over the DevTools protocol, on a pipe
to the same browser with the same flags.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
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


def visible_cells(dom: str) -> int:
    """Rows of the explorer's cell table in the rendered page (filtered-out rows are removed)."""
    return len(re.findall(r"<tr\b[^>]*\bdata-cell=", dom))


class DevToolsPage:
    """One page of a headless Chromium driven over the DevTools protocol, for what a dumped DOM
    cannot show: clicks, hovers, downloads, the layout at a given viewport width, full-page
    screenshots. No driver and no package: Chromium speaks the protocol on a pipe
    (``--remote-debugging-pipe``: commands in on its fd 3, replies and events out on its fd 4,
    each message JSON ended by a NUL byte).

    Use as a context manager: ``with DevToolsPage(browser, downloads=folder) as page:
    page.open(url); page.click("#cells th button")``. Every command waits at most TIMEOUT_S; a
    script error on the page fails the next `open`, `evaluate` or `check_no_errors`.
    """

    def __init__(self, browser: str, downloads: Path | None = None):
        self.browser = browser
        self.downloads = downloads
        self.events: list[dict] = []
        self.buffer = b""
        self.last_id = 0

    def __enter__(self) -> DevToolsPage:
        self.profile = tempfile.TemporaryDirectory(
            prefix="chromium-profile-", ignore_cleanup_errors=True
        )
        self.stderr = tempfile.TemporaryFile()
        commands_read, self.commands = os.pipe()
        self.replies, replies_write = os.pipe()
        # Chromium wants the pipe on fds 3 and 4 exactly: the shell puts them there, then execs.
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{commands_read} 4>&{replies_write}', "chromium",
             self.browser, *FLAGS, f"--user-data-dir={self.profile.name}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(commands_read, replies_write),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self.stderr,
        )  # fmt: skip
        os.close(commands_read)  # Chromium's ends now; a closed pipe then means it is gone
        os.close(replies_write)
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, False
        )
        self.session = attached["sessionId"]
        self.send("Page.enable")
        self.send("Runtime.enable")
        if self.downloads is not None:
            self.send(
                "Browser.setDownloadBehavior",
                {"behavior": "allow", "downloadPath": str(self.downloads), "eventsEnabled": True},
                session=False,
            )
        return self

    def __exit__(self, *exception: object) -> None:
        try:
            self.send("Browser.close", session=False)
            self.process.wait(timeout=TIMEOUT_S)
        except Exception:  # a browser that hangs or died: it must not outlive the test
            self.process.kill()
            self.process.wait()
        finally:
            os.close(self.commands)
            os.close(self.replies)
            self.stderr.close()
            self.profile.cleanup()

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self.buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply from chromium in {TIMEOUT_S} s")
            if select.select([self.replies], [], [], remaining)[0]:
                chunk = os.read(self.replies, 1 << 16)
                if not chunk:
                    self.stderr.seek(0)
                    tail = self.stderr.read()[-3000:].decode(errors="replace")
                    raise RuntimeError(f"chromium closed its pipe: {tail}")
                self.buffer += chunk
        message, _, self.buffer = self.buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, params: dict | None = None, session: bool = True) -> dict:
        """One protocol command, to the page (`session`) or to the browser; its result."""
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self.commands, data) :]
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._message(deadline)
            if reply.get("id") != self.last_id:
                self.events.append(reply)
                continue
            assert "error" not in reply, f"{method}: {reply['error']}"
            return reply.get("result", {})

    def wait_for_event(self, method: str, matches=lambda params: True) -> dict:
        """The parameters of the first event `method` (seen already or still to come) that
        `matches`; it is consumed."""
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for event in self.events:
                if event.get("method") == method and matches(event.get("params", {})):
                    self.events.remove(event)
                    return event["params"]
            self.events.append(self._message(deadline))

    def check_no_errors(self) -> None:
        """Fail on any uncaught script error the page reported so far."""
        thrown = [e for e in self.events if e.get("method") == "Runtime.exceptionThrown"]
        details = [e["params"]["exceptionDetails"] for e in thrown]
        assert not details, f"script errors: {details}"

    def resize(self, width: int, height: int) -> None:
        """Emulate a viewport of `width` x `height` CSS pixels (a phone's below 600 px wide)."""
        metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}
        self.send("Emulation.setDeviceMetricsOverride", metrics)

    def open(self, url: str) -> None:
        """Load `url` and wait for its load event (its inline scripts have run by then)."""
        self.events = [e for e in self.events if e.get("method") != "Page.loadEventFired"]
        self.send("Page.navigate", {"url": url})
        self.wait_for_event("Page.loadEventFired")
        self.check_no_errors()

    def evaluate(self, expression: str):
        """The value of a JavaScript expression on the page (promises awaited)."""
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
        )
        assert "exceptionDetails" not in result, result["exceptionDetails"]
        self.check_no_errors()
        return result["result"].get("value")

    def center_of(self, selector: str) -> tuple[float, float]:
        """The viewport coordinates of the middle of the first element `selector` matches,
        scrolled into view first."""
        box = self.evaluate(
            f"(() => {{ const e = document.querySelector({json.dumps(selector)});"
            " e.scrollIntoView({block: 'center', inline: 'center'});"
            " const r = e.getBoundingClientRect();"
            " return [r.left + r.width / 2, r.top + r.height / 2]; })()"
        )
        return box[0], box[1]

    def hover(self, selector: str) -> None:
        """Move the mouse onto the element, as a user's pointer would."""
        x, y = self.center_of(selector)
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})

    def click(self, selector: str) -> None:
        """Press and release the left mouse button on the element."""
        x, y = self.center_of(selector)
        self.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x, "y": y})
        for kind in ("mousePressed", "mouseReleased"):
            event = {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}
            self.send("Input.dispatchMouseEvent", event)
        self.check_no_errors()

    def download(self, selector: str) -> Path:
        """Click what starts a download and return the file once Chromium has written it."""
        assert self.downloads is not None, "a page made without a downloads folder"
        self.click(selector)
        started = self.wait_for_event("Browser.downloadWillBegin")
        ended = self.wait_for_event(
            "Browser.downloadProgress",
            lambda p: p["guid"] == started["guid"] and p["state"] != "inProgress",
        )
        assert ended["state"] == "completed", ended
        return self.downloads / started["suggestedFilename"]

    def screenshot(self, png: Path) -> Path:
        """A PNG of the whole page at the viewport's width (all of its height)."""
        png.parent.mkdir(parents=True, exist_ok=True)
        png.unlink(missing_ok=True)  # a stale file must not pass for a new screenshot
        width, height = self.evaluate(
            "[document.documentElement.clientWidth, document.documentElement.scrollHeight]"
        )
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
        )
        png.write_bytes(base64.b64decode(shot["data"]))
        return png
