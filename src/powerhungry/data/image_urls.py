"""Images that a dataset names by URL (RedCaps: links to reddit and imgur), fetched while sampling.

The paper's red_caps samples were images downloaded from their URLs. Links rot, so the sample is
the first `samples` rows, in the split's order, whose URL still gives an image; a row whose URL
does not (an HTTP error, a timeout after retries, a page that is not an image) is skipped, and
recorded with the reason, so that which rows were measured is known (`SampleRecord.source_rows`,
`skipped_rows`). Sampling runs on the submit host, the one place with internet.

Fetching uses the standard library (urllib): a GET with a timeout, retried with a growing pause
on what may pass (timeouts, refused connections, HTTP 429 and 5xx), never on what will not (other
4xx: 404 gone, 403 removed).
"""

from __future__ import annotations

import io
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image, UnidentifiedImageError

TIMEOUT_S = 10.0  # per attempt, s
ATTEMPTS = 3
PAUSE_S = 0.5  # before the 2nd attempt; doubled before each next one
# Hosts such as i.redd.it refuse Python's default user agent.
USER_AGENT = "powerhungry-sampler/1.0 (research; energy of AI inference)"
# Rows tried for each sample wanted, at least: more dead links than this stop the sampling.
MAX_TRIES_PER_SAMPLE = 4
MIN_TRIES = 20


class ImageFetchError(OSError):
    """A URL that gave no image; `reason` says why, briefly."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True)
class SkippedRow:
    """A source row left out: its index in the split's order, its URL, and why (e.g. "HTTP
    404", "timed out after 3 attempts", "not an image")."""

    row: int
    url: str
    reason: str


def fetch_image(url: str, timeout_s: float = TIMEOUT_S, attempts: int = ATTEMPTS) -> bytes:
    """The bytes at `url`, checked to be an image PIL reads. Raises ImageFetchError."""
    pause = PAUSE_S
    for attempt in range(1, attempts + 1):
        try:
            request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                data = response.read()
            break
        except urllib.error.HTTPError as error:
            if error.code != 429 and error.code < 500:
                raise ImageFetchError(url, f"HTTP {error.code}") from None
            reason = f"HTTP {error.code}"
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            cause = getattr(error, "reason", error)
            if isinstance(cause, TimeoutError):
                reason = "timed out"
            else:  # "Connection refused", not "[Errno 111] Connection refused"
                reason = getattr(cause, "strerror", None) or str(cause)
        except ValueError as error:  # not a URL urllib can fetch
            raise ImageFetchError(url, f"not a URL ({error})") from None
        if attempt == attempts:
            raise ImageFetchError(url, f"{reason} after {attempts} attempts")
        time.sleep(pause)
        pause *= 2
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ImageFetchError(url, "not an image") from None
    return data


def rows_with_images(
    rows: Iterable[dict[str, Any]], column: str, wanted: int
) -> tuple[list[dict[str, Any]], list[int], list[SkippedRow]]:
    """The first `wanted` rows of `rows` whose URL in `column` gives an image, that column
    replaced by the image (as an undecoded `datasets` Image value: {"bytes", "path"}); their
    indices in `rows`; the rows skipped. Stops after max(MIN_TRIES, MAX_TRIES_PER_SAMPLE x
    `wanted`) rows tried, returning fewer rows than wanted (the caller says what that means)."""
    limit = max(MIN_TRIES, MAX_TRIES_PER_SAMPLE * wanted)
    taken: list[dict[str, Any]] = []
    indices: list[int] = []
    skipped: list[SkippedRow] = []
    for index, row in enumerate(rows):
        if len(taken) == wanted or index == limit:
            break
        url = str(row[column])
        try:
            data = fetch_image(url)
        except ImageFetchError as error:
            skipped.append(SkippedRow(index, url, error.reason))
            continue
        taken.append({**row, column: {"bytes": data, "path": url}})
        indices.append(index)
    return taken, indices, skipped
