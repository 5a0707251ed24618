"""End to end against the real `podalign serve` (and `podalign worker`) as subprocesses,
with the real bundled model: upload, align, download, ranges, a SIGKILL mid-job, ten
uploads at once, and the Redis queue."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import srt
import webvtt

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
AUDIO = (FIXTURES / "dialogue.mp3").read_bytes()
TRANSCRIPT = (FIXTURES / "dialogue.txt").read_bytes()
LISTENING = re.compile(rb"podalign serving on (http://[\d.]+:\d+)")

pytestmark = [pytest.mark.slow, pytest.mark.whisper, pytest.mark.timeout(240)]


class Process:
    """A `podalign` subprocess whose output goes to a log file."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        # A restarted server appends to its predecessor's log; read only its own part.
        self.offset = log.stat().st_size if log.exists() else 0
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "podalign.cli", *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def output(self) -> bytes:
        return self.log.read_bytes()[self.offset :]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        return self.popen.wait(timeout=30)


class Server(Process):
    """`podalign serve` on a free loopback port; ``base`` is its URL once it listens."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        log = data_dir.parent / f"{data_dir.name}-serve.log"
        serve = ["serve", "--port", "0", "--data-dir", str(data_dir), *args]
        super().__init__(serve, log, env)
        self.base = self._wait_listening()

    def _wait_listening(self) -> str:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            found = LISTENING.search(self.output())
            if found:
                return found.group(1).decode()
            if self.popen.poll() is not None:
                break
            time.sleep(0.05)
        # Not yet in any test's list of processes to stop: stop it here.
        self.stop(signal.SIGKILL)
        raise RuntimeError(f"podalign serve did not start:\n{self.output().decode()[-3000:]}")

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read()

    def json(self, path: str) -> dict:
        status, _headers, body = self.get(path)
        assert status == 200, body
        return json.loads(body)

    def upload(self, title: str = "") -> dict:
        boundary = secrets.token_hex(16)
        fields = [
            ("audio", "dialogue.mp3", AUDIO),
            ("transcript", "dialogue.txt", TRANSCRIPT),
            ("title", None, title.encode()),
        ]
        body = io.BytesIO()
        for name, filename, data in fields:
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"'.encode())
            body.write(f'; filename="{filename}"'.encode() if filename else b"")
            body.write(b"\r\n\r\n" + data + b"\r\n")
        body.write(f"--{boundary}--\r\n".encode())
        request = urllib.request.Request(
            self.base + "/api/episodes",
            data=body.getvalue(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 202
            return json.load(response)

    def wait_for(self, url: str, statuses: set[str], timeout: float = 120, poll: float = 0.2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            episode = self.json(url)
            if episode["status"] in statuses:
                return episode
            time.sleep(poll)
        raise AssertionError(f"{url} still {episode['status']} after {timeout} s")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def processes() -> Iterator[list[Process]]:
    """Processes a test starts; any still running at the end are stopped."""
    started: list[Process] = []
    yield started
    for process in started:
        process.stop(signal.SIGKILL)


def serve(processes: list[Process], data_dir: Path, *args: str, **kwargs) -> Server:
    server = Server(data_dir, *args, **kwargs)
    processes.append(server)
    return server


def test_upload_align_download_and_ranges(processes, data_dir):
    server = serve(processes, data_dir)
    # The command restarted itself with huge pages for Whisper's large buffers.
    environment = Path(f"/proc/{server.popen.pid}/environ").read_bytes().split(b"\0")
    assert any(
        line.startswith(b"GLIBC_TUNABLES=") and b"glibc.malloc.hugetlb=1" in line
        for line in environment
    )

    accepted = server.upload()
    episode = server.wait_for(accepted["url"], {"done", "failed"})

    assert episode["status"] == "done", episode["error"]
    turns = episode["transcript"]["turns"]
    assert [t["speaker"] for t in turns] == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]
    assert all(t["start"] is not None for t in turns)

    downloads = episode["urls"]["downloads"]
    status, headers, body = server.get(downloads["srt"])
    assert status == 200
    assert 'filename="episode-7-the-edge.srt"' in headers["Content-Disposition"]
    cues = list(srt.parse(body.decode()))
    assert any("Thanks for having me" in cue.content for cue in cues)
    vtt = webvtt.from_buffer(io.StringIO(server.get(downloads["vtt"])[2].decode()))
    assert len(vtt.captions) >= 3
    assert json.loads(server.get(downloads["json"])[2])
    assert json.loads(server.get(downloads["podcast"])[2])

    status, headers, body = server.get(episode["urls"]["audio"], {"Range": "bytes=500-1499"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 500-1499/{len(AUDIO)}"
    assert body == AUDIO[500:1500]
    assert server.json(episode["urls"]["peaks"])["peaks"]
    assert server.get(episode["urls"]["page"])[0] == 200

    assert server.stop() == 0


def test_a_job_killed_mid_alignment_runs_again_after_a_restart(processes, data_dir):
    server = serve(processes, data_dir)
    accepted = server.upload()
    running = server.wait_for(accepted["url"], {"running", "done", "failed"}, poll=0.02)
    assert running["status"] == "running"

    server.stop(signal.SIGKILL)

    folder = data_dir / "episodes" / accepted["id"]
    assert (folder / "original.mp3").read_bytes() == AUDIO
    assert (folder / "transcript-1.txt").read_bytes() == TRANSCRIPT
    restarted = serve(processes, data_dir)
    episode = restarted.wait_for(accepted["url"], {"done", "failed"})

    assert episode["status"] == "done", episode["error"]
    assert b"Re-queueing" in restarted.output()
    assert (
        hashlib.sha256((folder / "original.mp3").read_bytes()).digest()
        == hashlib.sha256(AUDIO).digest()
    )


def test_a_job_stopped_by_sigterm_goes_back_to_the_queue(processes, data_dir):
    server = serve(processes, data_dir)
    accepted = server.upload()
    server.wait_for(accepted["url"], {"running", "done", "failed"}, poll=0.02)

    assert server.stop(signal.SIGTERM) == 0

    assert b"back to the queue" in server.output()
    restarted = serve(processes, data_dir)
    assert restarted.wait_for(accepted["url"], {"done", "failed"})["status"] == "done"
    assert b"Re-queueing" not in restarted.output()


def test_ten_uploads_at_once_all_complete(processes, data_dir):
    server = serve(processes, data_dir)

    with ThreadPoolExecutor(max_workers=10) as pool:
        accepted = list(pool.map(lambda n: server.upload(title=f"Upload {n}"), range(10)))
        episodes = list(pool.map(lambda a: server.wait_for(a["url"], {"done", "failed"}), accepted))

    assert len({a["id"] for a in accepted}) == 10
    assert [e["status"] for e in episodes] == ["done"] * 10
    assert sorted(e["title"] for e in episodes) == sorted(f"Upload {n}" for n in range(10))
    listed = server.json("/api/episodes?per_page=100")
    assert listed["total"] == 10
    for episode in episodes:
        assert (data_dir / "episodes" / episode["id"] / "original.mp3").read_bytes() == AUDIO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A throwaway redis-server on a free loopback port."""
    pytest.importorskip("redis", reason="the redis package is not installed")
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", tmp_path],
        stdout=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"{binary} did not answer on port {port} within 10 s")
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.redis
def test_redis_queue_with_a_separate_worker(processes, data_dir, redis_url):
    env = {"PODALIGN_REDIS_URL": redis_url}
    server = serve(processes, data_dir, "--workers", "0", env=env)
    accepted = server.upload()
    time.sleep(0.5)
    assert server.json(accepted["url"])["status"] == "queued"  # no worker in the server

    worker_log = data_dir.parent / "worker.log"
    worker = Process(["worker", "--data-dir", str(data_dir)], worker_log, env)
    processes.append(worker)
    episode = server.wait_for(accepted["url"], {"done", "failed"})

    assert episode["status"] == "done", episode["error"]
    assert b"Aligned " + accepted["id"].encode() in worker.output()
    assert worker.stop() == 0
