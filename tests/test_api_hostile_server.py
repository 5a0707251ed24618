"""Hostile requests against a real `podalign serve`: refusals before the body is read,
JSON from waitress itself, the pages under their CSP in a real browser, and a soak."""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import sync_playwright
from test_api_page_browser import CHROMIUM, CHROMIUM_ARGS
from test_api_server import Process, Server

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

TOKEN = "hostile-test-token"


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop(signal.SIGKILL)


def raw_request(base: str, head: str, body: bytes = b"", wait: float = 10) -> tuple[int, dict]:
    """Send ``head`` (and ``body``) over a socket; the status and JSON of the answer."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    header, _, payload = answer.partition(b"\r\n\r\n")
    status = int(header.split()[1])
    assert b"application/json" in header, header
    return status, json.loads(payload)


def test_an_unauthenticated_upload_is_refused_before_its_body_is_sent(processes, tmp_path):
    server = Server(tmp_path / "data", env={"PODALIGN_API_TOKEN": TOKEN})
    processes.append(server)
    head = (
        "POST /api/episodes HTTP/1.1\nHost: 127.0.0.1\n"
        "Content-Type: multipart/form-data; boundary=x\nContent-Length: 5000000\n\n"
    )
    started = time.monotonic()
    # No body is sent at all: the answer can only come from the headers.
    status, body = raw_request(server.base, head)
    assert status == 401 and "token" in body["error"]
    assert time.monotonic() - started < 5
    assert not list((tmp_path / "data" / "tmp").iterdir())


def test_oversized_bodies_and_foreign_hosts_get_json_from_waitress(processes, tmp_path):
    server = Server(tmp_path / "data", env={"PODALIGN_MAX_UPLOAD_MB": "1"})
    processes.append(server)
    post = "POST /api/episodes HTTP/1.1\nHost: 127.0.0.1\nContent-Type: text/plain\n"
    status, body = raw_request(server.base, post + "Content-Length: 2000000\n\n")
    assert status == 413
    assert body["error"] == "The upload is larger than this server's limit of 1 MB."
    chunk = b"x" * 100_000
    chunked = (f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n") * 12 + b"0\r\n\r\n"
    status, body = raw_request(server.base, post + "Transfer-Encoding: chunked\n\n", chunked)
    assert status == 413 and "limit of 1 MB" in body["error"]
    status, body = raw_request(server.base, "GET /api/openapi.json HTTP/1.1\nHost: evil.test\n\n")
    assert status == 400 and "evil.test" in body["error"]
    status, body = raw_request(
        server.base, post + "Origin: https://evil.test\nContent-Length: 10\n\n", b"0123456789"
    )
    assert status == 403


def test_the_pages_run_under_their_csp_without_a_violation(processes, tmp_path):
    server = Server(tmp_path / "data")
    processes.append(server)
    episode = server.upload("Under CSP")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            messages: list[str] = []
            page.on("console", lambda message: messages.append(message.text))
            page.on("pageerror", lambda error: messages.append(str(error)))
            page.goto(server.base + "/")
            page.wait_for_selector("#episode-list li")
            page.goto(server.base + episode["page_url"])
            page.wait_for_selector("#turns li")
            page.click("#play")
            time.sleep(1)
        finally:
            browser.close()
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m]
