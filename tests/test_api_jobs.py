"""Alignment jobs: their life on the queue, failures, retries, superseding, and recovery
from workers that died mid-job."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import wave
from pathlib import Path

import pytest
from huey import RedisHuey, SqliteHuey
from podalign.api import jobs, storage
from podalign.api.storage import Episode, EpisodeStatus, get_db, get_episode

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = (FIXTURES / "dialogue.txt").read_text()


def stored(app, episode_id: str) -> Episode:
    with app.app_context():
        episode = get_episode(get_db(), episode_id)
    assert episode is not None
    return episode


def claim_as(app, episode_id: str, worker: str, heartbeat: float | None = None) -> None:
    """Mark the episode running for ``worker``, as that worker's claim would."""
    with app.app_context():
        revision = stored(app, episode_id).revision
        now = time.time() if heartbeat is None else heartbeat
        assert storage.claim(get_db(), episode_id, revision, worker, now) is not None


@pytest.fixture(scope="module")
def dead_worker() -> str:
    """The worker id of a process on this host that has exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return f"{socket.gethostname()}:{process.pid}:deadbeef"


@pytest.fixture
def silence(tmp_path) -> Path:
    path = tmp_path / "silence.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(b"\0\0" * 16000 * 10)
    return path


def test_a_job_runs_from_queued_to_done(app, client, upload, run_jobs):
    url = upload().json["url"]
    assert client.get(url).json["status"] == "queued"

    assert run_jobs() == 1

    episode = client.get(url).json
    assert (episode["status"], episode["progress"], episode["stage"]) == ("done", 100, None)
    assert stored(app, episode["id"]).attempts == 1


def test_an_alignment_error_fails_the_job_with_its_message(client, upload, run_jobs, silence):
    url = upload(audio=silence).json["url"]

    run_jobs()

    episode = client.get(url).json
    assert episode["status"] == "failed"
    assert episode["error"] and "Traceback" not in episode["error"]


def test_a_failed_job_can_be_retried(app, client, upload, run_jobs, silence):
    url = upload(audio=silence).json["url"]
    run_jobs()

    response = client.post(f"{url}/retry")

    assert response.status_code == 202
    assert client.get(url).json["status"] == "queued"
    assert client.get(url).json["error"] is None
    assert run_jobs() == 1
    assert client.get(url).json["status"] == "failed"
    assert stored(app, response.json["id"]).attempts == 1


def test_only_failed_jobs_can_be_retried(client, upload, episode):
    queued = upload().json["url"]

    for url in (queued, episode["urls"]["self"]):
        response = client.post(f"{url}/retry")
        assert response.status_code == 409
        assert "failed" in response.json["error"]


def test_realign_supersedes_the_queued_job_and_keeps_old_transcripts(app, client, upload, run_jobs):
    body = upload().json
    edited = DIALOGUE.replace("Great. ", "")

    response = client.post(f"{body['url']}/realign", data={"transcript_text": edited})

    assert response.status_code == 202
    assert response.json["status"] == "queued"
    assert run_jobs() == 2  # the first message finds its revision gone and does nothing
    episode = client.get(body["url"]).json
    assert episode["status"] == "done"
    assert episode["transcript"]["turns"][2]["text"].startswith("Let us start")
    folder = Path(app.config["DATA_DIR"]) / "episodes" / body["id"]
    assert (folder / "transcript-1.txt").read_text() == DIALOGUE
    assert (folder / "transcript-2.txt").read_text() == edited


def test_realign_of_a_done_episode_takes_a_file_too(client, episode, run_jobs):
    url = episode["urls"]["self"]
    response = client.post(
        f"{url}/realign",
        data={"transcript": ((FIXTURES / "dialogue.txt").open("rb"), "edited.txt")},
    )

    assert response.status_code == 202
    run_jobs()
    assert client.get(url).json["status"] == "done"


def test_realign_checks_its_transcript(client, episode):
    url = f"{episode['urls']['self']}/realign"

    assert client.post(url, json={}).status_code == 400
    assert client.post(url, data={}).status_code == 400
    assert client.post(url, json={"transcript_text": "WEBVTT\n\n"}).status_code == 422
    assert client.get(episode["urls"]["self"]).json["status"] == "done"


def test_a_job_for_a_deleted_episode_does_nothing(app, client, upload, run_jobs):
    body = upload().json
    client.delete(body["url"])

    assert run_jobs() == 1

    assert list((Path(app.config["DATA_DIR"]) / "episodes").iterdir()) == []


def test_progress_is_written_by_the_reporter_and_supersedes_stop_it(app, upload, monkeypatch):
    monkeypatch.setattr(jobs, "PROGRESS_SECONDS", 0.05)
    episode_id = upload().json["id"]
    claim_as(app, episode_id, jobs.worker_id())
    reporter = jobs.ProgressReporter(app, episode_id, revision=1)
    reporter.start()
    try:
        reporter.aligner_progress("recognising", 0.5)
        time.sleep(0.3)
        assert (stored(app, episode_id).stage, stored(app, episode_id).progress) == (
            "recognising",
            51,
        )

        with app.app_context():
            storage.requeue(get_db(), stored(app, episode_id), attempts=0)
        reporter.aligner_progress("aligning", 0.9)
        time.sleep(0.3)
        with pytest.raises(jobs.Superseded):
            reporter.aligner_progress("aligning", 0.95)
    finally:
        reporter.stop()
    superseding = stored(app, episode_id)
    assert (superseding.revision, superseding.stage) == (2, None)


def test_a_job_whose_worker_died_is_requeued_once(app, client, upload, run_jobs, dead_worker):
    body = upload().json
    claim_as(app, body["id"], dead_worker)
    assert client.get(body["url"]).json["status"] == "running"

    assert jobs.recover_orphans(app) == 1

    assert client.get(body["url"]).json["status"] == "queued"
    assert run_jobs() == 2  # the original message is stale; the re-queued one runs
    assert client.get(body["url"]).json["status"] == "done"
    assert stored(app, body["id"]).attempts == 2


def test_a_job_interrupted_twice_fails_and_can_be_retried(app, client, upload, dead_worker):
    body = upload().json
    claim_as(app, body["id"], dead_worker)
    jobs.recover_orphans(app)
    claim_as(app, body["id"], dead_worker)

    assert jobs.recover_orphans(app) == 0

    episode = client.get(body["url"]).json
    assert episode["status"] == "failed"
    assert "interrupted twice" in episode["error"]
    assert client.post(f"{body['url']}/retry").status_code == 202


def test_live_jobs_are_left_alone(app, upload):
    episode_id = upload().json["id"]
    claim_as(app, episode_id, jobs.worker_id())

    assert jobs.recover_orphans(app) == 0
    assert stored(app, episode_id).status is EpisodeStatus.RUNNING


def test_a_queued_episode_whose_message_was_lost_is_queued_again(app, client, upload, run_jobs):
    body = upload().json
    huey = jobs.jobs_of(app).huey
    huey.flush()  # the message is gone, as when the process died before or after queueing
    long_ago = "2000-01-01T00:00:00.000Z"
    with app.app_context():
        db = get_db()
        db.execute("UPDATE episodes SET updated_at = ? WHERE id = ?", (long_ago, body["id"]))
        db.commit()

    assert jobs.recover_orphans(app) == 1
    assert jobs.recover_orphans(app) == 0  # its message now waits on the queue
    assert run_jobs() >= 1
    assert client.get(body["url"]).json["status"] == "done"


def test_a_queued_episode_still_waiting_on_the_queue_is_left_alone(app, upload):
    body = upload().json
    with app.app_context():
        db = get_db()
        db.execute("UPDATE episodes SET updated_at = ? WHERE id = ?", ("2000-01-01", body["id"]))
        db.commit()

    assert jobs.recover_orphans(app) == 0


def test_is_orphan():
    now = time.time()
    host, pid = socket.gethostname(), __import__("os").getpid()

    assert not jobs.is_orphan(jobs.worker_id(), now, now)
    assert jobs.is_orphan(jobs.worker_id(), now - jobs.LEASE_SECONDS - 1, now)
    assert not jobs.is_orphan("elsewhere:1:abcd", now - 5, now)
    assert jobs.is_orphan("elsewhere:1:abcd", now - jobs.LEASE_SECONDS - 1, now)
    # This pid, but an earlier process that had it (a restarted container).
    assert jobs.is_orphan(f"{host}:{pid}:00000000", now, now)
    assert jobs.is_orphan(None, None, now)


def test_a_job_stopped_by_shutdown_goes_back_and_the_attempt_counts(app, upload, run_jobs):
    episode_id = upload().json["id"]
    claim_as(app, episode_id, jobs.worker_id())

    jobs.hand_back(app, episode_id, 1)

    assert (stored(app, episode_id).status, stored(app, episode_id).attempts) == (
        EpisodeStatus.QUEUED,
        1,
    )
    run_jobs()
    assert stored(app, episode_id).status is EpisodeStatus.DONE


def test_the_queue_is_sqlite_in_the_data_dir_by_default(tmp_path):
    huey = jobs.make_huey({"REDIS_URL": None, "DATA_DIR": tmp_path})

    assert isinstance(huey, SqliteHuey)
    assert (tmp_path / "jobs.db").exists()


def test_the_queue_is_redis_when_a_url_is_configured(tmp_path):
    pytest.importorskip("redis", reason="the redis package is not installed")

    huey = jobs.make_huey({"REDIS_URL": "redis://127.0.0.1:1/0", "DATA_DIR": tmp_path})

    assert isinstance(huey, RedisHuey)
