"""Images named by URL (RedCaps) are fetched while sampling, from a real HTTP server on loopback:
dead links are skipped in the split's order and recorded, what may pass is retried."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from PIL import Image

from powerhungry.data.image_urls import ImageFetchError, fetch_image
from powerhungry.data.preprocess import decode_png
from powerhungry.data.sample_record import read_sample_record
from powerhungry.data.sampling import DatasetSourceError, draw, write_sample
from powerhungry.study import DatasetSpec


def png(color: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), color).save(buffer, format="PNG")
    return buffer.getvalue()


class ImageHost(BaseHTTPRequestHandler):
    """/red.png, /blue.png: images; /gone.png: 404; /page.html: a page, not an image;
    /flaky.png: 503 on its first request, then an image."""

    images: ClassVar[dict[str, bytes]] = {
        "/red.png": png("red"),
        "/blue.png": png("blue"),
        "/flaky.png": png("green"),
    }
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path == "/flaky.png" and self.requests.count(self.path) == 1:
            self.send_error(503)
        elif self.path in self.images:
            self.answer(self.images[self.path], "image/png")
        elif self.path == "/page.html":
            self.answer(b"<html>this image was removed</html>", "text/html")
        else:
            self.send_error(404)

    def answer(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def host() -> Iterator[str]:
    ImageHost.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageHost)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> str:
    """A loopback URL nothing listens on (connection refused)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), ImageHost)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}/refused.png"


def dataset(tmp_path: Path, urls: list[str], samples: int) -> DatasetSpec:
    path = tmp_path / "captions.jsonl"
    path.write_text("".join(json.dumps({"image_url": url}) + "\n" for url in urls))
    return DatasetSpec(
        id="red_caps",
        task="image_captioning",
        split="train",
        samples=samples,
        fields={"image": "image_url"},
        path=str(path),
        image_size=[4, 3],
        image_urls=True,
    )


@pytest.mark.slow
def test_dead_links_are_skipped_in_order_and_recorded(host, tmp_path):
    urls = [
        f"{host}/gone.png",
        f"{host}/red.png",
        f"{host}/page.html",
        f"{host}/flaky.png",
        closed_port(),
        f"{host}/blue.png",
        f"{host}/red.png",  # not needed: three samples are asked for
    ]
    spec = dataset(tmp_path, urls, samples=3)
    out = tmp_path / "out"
    out.mkdir()
    record = write_sample(
        spec, str(out / "s.parquet"), str(out / "s.parquet.sha256"), str(out / "s.json")
    )
    assert record.source_rows == [1, 3, 5]
    assert record.skipped_rows == [
        {"row": 0, "url": urls[0], "reason": "HTTP 404"},
        {"row": 2, "url": urls[2], "reason": "not an image"},
        {"row": 4, "url": urls[4], "reason": "Connection refused after 3 attempts"},
    ]
    assert read_sample_record(out / "s.json") == record
    # The flaky host was asked again; the image nobody needed was never fetched.
    assert ImageHost.requests.count("/flaky.png") == 2
    assert ImageHost.requests.count("/red.png") == 1
    colors = [decode_png(image).getpixel((0, 0)) for image in draw(spec).frame["image"]]
    assert colors == [(255, 0, 0), (0, 128, 0), (0, 0, 255)]
    assert decode_png(draw(spec).frame["image"][0]).size == (4, 3)


def test_too_many_dead_links_stop_sampling_saying_why(host, tmp_path):
    spec = dataset(tmp_path, [f"{host}/gone.png"] * 4 + [f"{host}/red.png"], samples=2)
    with pytest.raises(DatasetSourceError) as raised:
        draw(spec)
    message = str(raised.value)
    assert (
        "of the first 5 rows" in message and "4 image URLs gave no image (4x HTTP 404)" in message
    )
    assert "leaving 1 of the 2 samples asked for" in message


def test_a_value_that_is_not_a_url_is_a_dead_link_not_a_crash():
    with pytest.raises(ImageFetchError, match="not a URL"):
        fetch_image("a caption, not a link")
