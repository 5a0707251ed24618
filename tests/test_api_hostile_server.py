"""Hostile requests against a real `podalign serve`: refusals before the body is read,
JSON from waitress itself, the pages under their CSP in a real browser, and a soak."""

from __future__ import annotations

import io
import json
import os
import secrets
import signal
import socket
import sqlite3
import struct
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright
from test_api_page_browser import CHROMIUM, CHROMIUM_ARGS

# redis_url is a fixture, used by name.
from test_api_server import FIXTURES, Process, Server, redis_url  # noqa: F401

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
            page.goto(f"{server.base}/embed/{episode['id']}")
            page.wait_for_selector("#embed-title:not(:has-text('Loading'))")
            page.click("#embed-play")
            time.sleep(1)
        finally:
            browser.close()
    assert not [m for m in messages if "Content Security Policy" in m or "Refused" in m]


def post_form(
    base: str, fields: list[tuple[str, str | None, bytes]], headers: dict | None = None
) -> tuple[int, dict]:
    """POST multipart fields (name, file name or None, data) to /api/episodes."""
    boundary = secrets.token_hex(16)
    body = io.BytesIO()
    for name, filename, data in fields:
        body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode())
        body.write(f'; filename="{filename}"'.encode() if filename else b"")
        body.write(b"\r\n\r\n" + data + b"\r\n")
    body.write(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        base + "/api/episodes",
        data=body.getvalue(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}", **(headers or {})},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def attempts(data_dir: Path, episode_id: str) -> int:
    with sqlite3.connect(data_dir / "podalign.db") as db:
        return db.execute("SELECT attempts FROM episodes WHERE id = ?", (episode_id,)).fetchone()[0]


def test_sigterm_kills_the_jobs_ffmpeg_and_counts_the_attempt(processes, tmp_path):
    data_dir = tmp_path / "data"
    server = Server(data_dir)
    processes.append(server)
    accepted = server.upload()
    # Freeze each ffmpeg the job starts, as a hung one would sit. Only once it runs ffmpeg:
    # a child stopped between fork and exec is another case (see test_audio_hostile).
    frozen: list[int] = []
    deadline = time.monotonic() + 30
    while not frozen and time.monotonic() < deadline:
        for child in children_of(server.popen.pid):
            if _is_ffmpeg(child):
                os.kill(child, signal.SIGSTOP)
                frozen.append(child)
        time.sleep(0.002)
    assert frozen, "the job started no ffmpeg"
    assert server.stop(signal.SIGTERM) == 0
    time.sleep(0.5)
    assert not [pid for pid in frozen if running(pid)]
    assert attempts(data_dir, accepted["id"]) == 1
    restarted = Server(data_dir)
    processes.append(restarted)
    assert restarted.wait_for(accepted["url"], {"done", "failed"})["status"] == "done"
    assert attempts(data_dir, accepted["id"]) == 2


def test_sigterm_stops_the_server_even_with_its_acoustic_workers_stuck(processes, tmp_path):
    """The acoustic aligner's worker processes, stopped as a stuck one would sit, must not
    keep a SIGTERMed server alive: concurrent.futures joins its pools at exit."""
    server = Server(tmp_path / "data")
    processes.append(server)
    server.upload()
    workers: list[int] = []
    deadline = time.monotonic() + 30
    while len(workers) < 2 and time.monotonic() < deadline:
        workers = [pid for pid in children_of(server.popen.pid) if not _is_ffmpeg(pid)]
        time.sleep(0.01)
    assert workers, "the job forked no acoustic workers"
    for pid in workers:
        os.kill(pid, signal.SIGSTOP)

    assert server.stop(signal.SIGTERM) == 0
    time.sleep(0.5)
    assert not [pid for pid in workers if running(pid)]


def _is_ffmpeg(pid: int) -> bool:
    try:
        return b"ffmpeg" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def soak_requests(tmp_path: Path) -> list[tuple[str, list, dict]]:
    """(kind, multipart fields, headers): twelve good uploads and eight hostile ones."""
    audio = (FIXTURES / "dialogue.mp3").read_bytes()
    text = (FIXTURES / "dialogue.txt").read_bytes()
    liar = bytearray(audio[:4096])
    at = liar.find(b"Info")
    liar[at + 8 : at + 12] = struct.pack(">I", int(36000 * 22050 / 576))
    playlist = f"#EXTM3U\n#EXT-X-TARGETDURATION:20\n#EXTINF:18.6,\nfile://{FIXTURES}/dialogue.mp3\n"
    script = b"<script>fetch('/api/episodes')</script>\0\0"
    au = struct.pack(">4sIIIII", b".snd", 24 + len(script), 16000, 3, 8000, 1) + script
    au += b"\x00\x10" * 8000
    many_turns = "".join(f"Ann: Line {n}.\n\n" for n in range(20_001)).encode()

    def form(name: str, data: bytes, transcript: bytes = text) -> list:
        return [("audio", name, data), ("transcript", "t.txt", transcript)]

    good = [
        (f"good-{n}", form("dialogue.mp3", audio) + [("title", None, b"g%d" % n)], {})
        for n in range(12)
    ]
    hostile = [
        ("hls", form("episode.mp3", (playlist + "#EXT-X-ENDLIST\n").encode()), {}),
        ("live hls", form("live.m3u8", playlist.encode()), {}),
        ("claims 10 h", form("liar.mp3", bytes(liar)), {}),
        ("cross-site", form("dialogue.mp3", audio), {"Origin": "https://evil.test"}),
        ("markup as audio", form("evil.html", au), {}),
        ("truncated", form("cut.mp3", audio[: len(audio) * 3 // 10]), {}),
        ("20001 turns", form("dialogue.mp3", audio, many_turns), {}),
        ("noise", form("noise.ogg", os.urandom(20_000)), {}),
    ]
    return good + hostile


def test_soak_twenty_uploads_good_and_hostile_with_a_sigkill(processes, tmp_path):
    data_dir = tmp_path / "data"
    server = Server(data_dir)
    processes.append(server)
    started = time.monotonic()
    requests = soak_requests(tmp_path)
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(lambda r: (r[0], *post_form(server.base, r[1], r[2])), requests))
    uploaded = time.monotonic() - started
    accepted = {kind: body["id"] for kind, status, body in answers if status == 202}
    statuses = [status for _kind, status, _body in answers]
    assert all(status < 500 for status in statuses), answers
    assert all(f"good-{n}" in accepted for n in range(12)), answers
    refused = {kind: status for kind, status, _ in answers if status != 202}
    assert refused == {
        "hls": 415,
        "live hls": 415,
        "claims 10 h": 413,
        "cross-site": 403,
        "20001 turns": 422,
        "noise": 415,
    }
    time.sleep(1.0)
    unfinished = [
        e for e in server.json("/api/episodes?per_page=100")["episodes"] if e["status"] != "done"
    ]
    assert unfinished, "every job ended before the SIGKILL"
    server.stop(signal.SIGKILL)
    killed_at = time.monotonic() - started
    restarted = Server(data_dir)
    processes.append(restarted)
    final = {
        kind: restarted.wait_for(f"/api/episodes/{episode_id}", {"done", "failed"}, timeout=90)
        for kind, episode_id in accepted.items()
    }
    settled = time.monotonic() - started
    assert all(final[f"good-{n}"]["status"] == "done" for n in range(12)), final
    assert {final[k]["status"] for k in ("markup as audio", "truncated")} <= {"done", "failed"}
    status, headers, _ = restarted.get(final["markup as audio"]["urls"]["audio"])
    # Its MP3 copy once the job made one, else the upload as a download; never a page.
    assert headers["Content-Type"] in ("audio/mpeg", "application/octet-stream")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    listed = restarted.json("/api/episodes?per_page=100")
    assert listed["total"] == len(accepted)
    assert {e["id"] for e in listed["episodes"]} == set(accepted.values())
    assert not list((data_dir / "tmp").glob("upload-*"))
    print(
        f"\nsoak: {len(requests)} uploads ({len(accepted)} accepted, {len(refused)} refused,"
        f" 0 5xx) answered in {uploaded:.1f} s; SIGKILL at {killed_at:.1f} s with"
        f" {len(unfinished)} unfinished; all settled at"
        f" {settled:.1f} s; hostile accepted ended {final['markup as audio']['status']}"
        f" and {final['truncated']['status']}"
    )


def same_origin_post(base: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        base + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": base},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.mark.redis
def test_a_remote_worker_needs_nothing_shared_but_redis(processes, tmp_path, redis_url):  # noqa: F811
    data_dir = tmp_path / "server-data"
    env = {"PODALIGN_REDIS_URL": redis_url, "PODALIGN_WORKER_TOKEN": TOKEN}
    server = Server(data_dir, "--workers", "0", env=env)
    processes.append(server)
    accepted = server.upload()
    time.sleep(0.5)
    assert server.json(accepted["url"])["status"] == "queued"  # no worker in the server
    # Without the worker token the worker API answers 401 before reading anything.
    status, _ = raw_request(
        server.base,
        f"POST /api/worker/episodes/{accepted['id']}/claim HTTP/1.1\nHost: 127.0.0.1\n"
        "Content-Length: 20\n\n",
    )
    assert status == 401

    def worker(name: str) -> Process:
        started = Process(
            [
                "worker",
                "--server",
                server.base,
                "--token",
                TOKEN,
                "--data-dir",
                str(tmp_path / name),
            ],
            tmp_path / f"{name}.log",
            {"PODALIGN_REDIS_URL": redis_url},
        )
        processes.append(started)
        return started

    # A worker stopped mid-job hands it back at once, not when its 90 s lease runs out.
    first = worker("worker-a")
    server.wait_for(accepted["url"], {"running"}, timeout=60, poll=0.02)
    assert first.stop(signal.SIGTERM) == 0
    handed_back = time.monotonic()
    server.wait_for(accepted["url"], {"queued"}, timeout=5, poll=0.05)
    assert time.monotonic() - handed_back < 5
    assert b"Handed " + accepted["id"].encode() + b" back" in first.output()
    assert attempts(data_dir, accepted["id"]) == 1

    second = worker("worker-b")
    episode = server.wait_for(accepted["url"], {"done", "failed"})
    assert episode["status"] == "done", episode["error"]
    assert attempts(data_dir, accepted["id"]) == 2
    assert all(turn["start"] is not None for turn in episode["transcript"]["turns"])
    assert b"Aligned " + accepted["id"].encode() in second.output()
    # The worker kept no database and no episode files: only its own cache.
    assert sorted(path.name for path in (tmp_path / "worker-b").iterdir()) == ["cache"]
    # The server keeps what the worker heard, for the editor and for the next realignment.
    assert list((data_dir / "cache" / "recognition").glob("*.json.gz"))
    assert second.stop() == 0

    # A worker that never saw this audio realigns it from the server's recognition:
    # no decode, so no Whisper pass.
    third = worker("worker-c")
    same_origin_post(server.base, f"{accepted['url']}/realign", {"revision": episode["revision"]})
    realigned = server.wait_for(accepted["url"], {"done", "failed"})
    assert realigned["status"] == "done", realigned["error"]
    assert realigned["revision"] > episode["revision"]
    assert b"Using the server's cached recognition" in third.output()
    assert not list((tmp_path / "worker-c" / "cache").glob("audio/*.pcm"))
    starts = [turn["start"] for turn in realigned["transcript"]["turns"]]
    assert starts == [turn["start"] for turn in episode["transcript"]["turns"]]
    assert third.stop() == 0
