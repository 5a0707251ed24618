"""Shared test fixtures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def recognition_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One aligner cache for the whole run, so each test need not recognise the fixtures anew."""
    return tmp_path_factory.mktemp("recognition-cache")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, recognition_cache: Path):
    """The web app on a fresh data dir. Jobs stay queued until ``run_jobs()`` runs them."""
    from podalign.api import create_app
    from podalign.api.app import ENV_VARS

    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return create_app(
        {"TESTING": True, "DATA_DIR": tmp_path / "data", "CACHE_DIR": recognition_cache}
    )


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def run_jobs(app) -> Callable[[], int]:
    """Run every queued job here and now, as a worker would; returns how many ran."""
    from podalign.api.jobs import jobs_of

    huey = jobs_of(app).huey

    def run() -> int:
        count = 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            count += 1
        return count

    return run


@pytest.fixture
def upload(client) -> Callable[..., object]:
    """POST /api/episodes with fixture files; extra keyword arguments are more form fields."""

    def post(
        audio: str | Path | None = "dialogue.mp3",
        transcript: str | Path | None = "dialogue.txt",
        headers: dict | None = None,
        **fields,
    ):
        # An absolute path (a file a test made) replaces the fixtures dir in the join.
        data = dict(fields)
        if audio is not None:
            data["audio"] = (FIXTURES / audio).open("rb")
        if transcript is not None:
            data["transcript"] = (FIXTURES / transcript).open("rb")
        return client.post("/api/episodes", data=data, headers=headers)

    return post


@pytest.fixture
def episode(client, upload, run_jobs) -> dict:
    """tests/fixtures/dialogue.mp3 uploaded with its transcript and aligned: the episode JSON."""
    response = upload()
    assert response.status_code == 202, response.json
    run_jobs()
    return client.get(response.json["url"]).json


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Full decodes started and Whisper windows encoded so far."""
    seen = {"decodes": 0, "windows": 0}
    from faster_whisper import WhisperModel
    from podalign.audio import decode

    start, encode = decode.start_ffmpeg, WhisperModel.encode

    def counted_start(cmd, **popen):
        seen["decodes"] += 1
        return start(cmd, **popen)

    def counted_encode(self, features):
        seen["windows"] += len(features)
        return encode(self, features)

    monkeypatch.setattr(decode, "start_ffmpeg", counted_start)
    monkeypatch.setattr(WhisperModel, "encode", counted_encode)
    return seen
