"""Shared test fixtures, the ``whisper`` marker's bookkeeping, and no skipping in CI."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
# Fixtures that run alignment jobs, and so load a Whisper model, for the tests using them.
WHISPER_FIXTURES = {"run_jobs", "episode"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if WHISPER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.whisper)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under CI=true a skip is a failure: there every dependency must be present."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") == "true" and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"Skipped under CI=true, where nothing may be missing: {reason}"


@pytest.fixture(autouse=True)
def whisper_only_when_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """A test not marked ``whisper`` fails if it loads a model in this process, so
    ``-m "not whisper"`` stays a fast run. (Tests running the CLI load it in a child
    process; they carry the marker themselves.)"""
    if request.node.get_closest_marker("whisper") is None:
        from podalign.aligner import pipeline

        def refuse(*args: object, **kwargs: object) -> None:
            pytest.fail(f"{request.node.nodeid} loads a Whisper model: mark it whisper")

        monkeypatch.setattr(pipeline, "load_model", refuse)


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
    """tests/fixtures/dialogue.mp3 uploaded with its transcript and aligned: the episode JSON,
    words included."""
    response = upload()
    assert response.status_code == 202, response.json
    run_jobs()
    return client.get(response.json["url"] + "?words=1").json


@pytest.fixture
def counts(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Full decodes started and Whisper windows encoded so far."""
    seen = {"decodes": 0, "windows": 0}
    from faster_whisper import WhisperModel
    from podalign.audio import decode

    start, encode = decode.start_ffmpeg, WhisperModel.encode

    def counted_start(cmd, timeout):
        seen["decodes"] += 1
        return start(cmd, timeout)

    def counted_encode(self, features):
        seen["windows"] += len(features)
        return encode(self, features)

    monkeypatch.setattr(decode, "start_ffmpeg", counted_start)
    monkeypatch.setattr(WhisperModel, "encode", counted_encode)
    return seen
