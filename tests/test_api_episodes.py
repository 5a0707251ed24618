"""The episodes API through Flask's test client: upload, read, list, delete, and its errors."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from podalign.aligner.cache import RecognitionCache
from podalign.aligner.models import model_id
from podalign.api import create_app, jobs, storage
from podalign.api.files import remove_orphan_episode_dirs, remove_stale_uploads, staging_dir
from podalign.audio import audio_digest

FIXTURES = Path(__file__).parent / "fixtures"


def episode_dir(app, episode_id: str) -> Path:
    return Path(app.config["DATA_DIR"]) / "episodes" / episode_id


def test_upload_answers_202_and_stores_the_files_as_uploaded(app, client, upload):
    response = upload()

    assert response.status_code == 202
    body = response.json
    assert body["status"] == "queued"
    assert body["url"] == f"/api/episodes/{body['id']}"
    assert body["page_url"] == f"/episodes/{body['id']}"
    assert response.headers["Location"] == body["url"]
    assert len(body["id"]) >= 20
    folder = episode_dir(app, body["id"])
    assert (folder / "original.mp3").read_bytes() == (FIXTURES / "dialogue.mp3").read_bytes()
    assert (folder / "transcript-1.txt").read_bytes() == (FIXTURES / "dialogue.txt").read_bytes()
    assert list((Path(app.config["DATA_DIR"]) / "tmp").iterdir()) == []


def test_queued_episode_has_its_turns_untimed(client, upload):
    episode = client.get(upload().json["url"]).json

    assert episode["status"] == "queued"
    assert episode["progress"] == 0
    assert episode["title"] == "Episode 7: The Edge"
    assert episode["duration"] == pytest.approx(18.6, abs=0.2)
    assert episode["turn_count"] == 3
    assert episode["speakers"] == ["Alice Moreno", "Bob Okafor"]
    turns = episode["transcript"]["turns"]
    assert [t["speaker"] for t in turns] == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]
    assert all(t["start"] is None and t["end"] is None and t["manual"] is False for t in turns)


def test_aligned_episode_has_every_turn_timed_in_order(episode):
    assert episode["status"] == "done"
    assert episode["progress"] == 100
    assert episode["error"] is None
    assert episode["untimed_turns"] == 0
    turns = episode["transcript"]["turns"]
    starts = [t["start"] for t in turns]
    assert starts == sorted(starts)
    assert all(0 <= t["start"] < t["end"] <= episode["duration"] + 0.05 for t in turns)
    assert turns[1]["text"].startswith("Thanks for having me")
    assert 5.0 < turns[1]["start"] < 9.0


def test_summary_lists_every_url(episode):
    episode_id = episode["id"]
    base = f"/api/episodes/{episode_id}"
    assert episode["urls"] == {
        "self": base,
        "page": f"/episodes/{episode_id}",
        "audio": f"{base}/audio",
        "peaks": f"{base}/peaks",
        "downloads": {
            "json": f"{base}/transcript.json",
            "srt": f"{base}/transcript.srt",
            "vtt": f"{base}/transcript.vtt",
            "txt": f"{base}/transcript.txt",
            "podcast": f"{base}/transcript.podcast.json",
            "html": f"{base}/transcript.html",
        },
        "chapters": {
            "json": f"{base}/chapters.json",
            "vtt": f"{base}/chapters.vtt",
            "txt": f"{base}/chapters.txt",
        },
        "embed": f"/embed/{episode_id}",
    }
    assert episode["created_at"].endswith("Z")


def test_title_comes_from_the_form_then_the_transcript_then_the_audio_name(client, upload):
    given = upload(title="  My title  ").json
    assert client.get(given["url"]).json["title"] == "My title"

    response = client.post(
        "/api/episodes",
        data={
            "audio": ((FIXTURES / "dialogue.mp3").open("rb"), "the_edge.mp3"),
            "transcript_text": "Alice: Hello there.\n\nBob: Hi Alice.",
        },
    )
    assert response.status_code == 202
    assert client.get(response.json["url"]).json["title"] == "the_edge"


def test_transcript_can_be_sent_as_a_text_field(app, client):
    text = "Alice Moreno: Welcome to the show.\n\nBob Okafor: Thanks for having me."
    response = client.post(
        "/api/episodes",
        data={"audio": (FIXTURES / "dialogue.mp3").open("rb"), "transcript_text": text},
    )

    assert response.status_code == 202
    folder = episode_dir(app, response.json["id"])
    assert (folder / "transcript-1.txt").read_text() == text
    assert client.get(response.json["url"]).json["turn_count"] == 2


def test_list_is_newest_first_and_paginated(client, upload):
    ids = [upload(title=f"Episode {n}").json["id"] for n in range(3)]

    first = client.get("/api/episodes?page=1&per_page=2").json
    second = client.get("/api/episodes?page=2&per_page=2").json

    assert first["total"] == second["total"] == 3
    assert (first["page"], first["per_page"]) == (1, 2)
    assert [e["id"] for e in first["episodes"] + second["episodes"]] == ids[::-1]
    assert "transcript" not in first["episodes"][0]
    assert client.get("/api/episodes").json["per_page"] == 20


@pytest.mark.parametrize(
    "query",
    ["page=0", "page=x", "per_page=0", "per_page=101", "page=-1", "page=²", "page=" + "9" * 20],
)
def test_list_rejects_bad_pages(client, query):
    response = client.get(f"/api/episodes?{query}")
    assert response.status_code == 400
    assert "error" in response.json


def test_delete_removes_the_rows_and_files(app, client, episode):
    folder = episode_dir(app, episode["id"])
    assert folder.is_dir()

    response = client.delete(episode["urls"]["self"])

    assert response.status_code == 204
    assert not folder.exists()
    assert client.get(episode["urls"]["self"]).status_code == 404
    assert client.delete(episode["urls"]["self"]).status_code == 404
    assert client.get("/api/episodes").json["total"] == 0


def test_an_episode_deleted_while_it_is_queued_is_404_not_500(app, client, monkeypatch):
    # The DELETE lands from another connection between the enqueue and the reply.
    queue = jobs.enqueue

    def enqueue_then_delete(app_, episode_id: str, revision: int) -> None:
        queue(app_, episode_id, revision)
        db = storage.connect(storage.database_path(app.config["DATA_DIR"]))
        try:
            assert storage.delete_episode(db, episode_id)
        finally:
            db.close()

    monkeypatch.setattr(jobs, "enqueue", enqueue_then_delete)
    data = {
        "audio": ((FIXTURES / "dialogue.mp3").open("rb"), "dialogue.mp3"),
        "transcript": ((FIXTURES / "dialogue.txt").open("rb"), "dialogue.txt"),
    }

    response = client.post("/api/episodes", data=data)

    assert response.status_code == 404
    assert "No episode" in response.json["error"]


def test_missing_audio_is_400(upload):
    response = upload(audio=None)
    assert response.status_code == 400
    assert "audio" in response.json["error"]


def test_missing_transcript_is_400(upload):
    response = upload(transcript=None)
    assert response.status_code == 400
    assert "transcript" in response.json["error"]


def test_a_text_file_named_mp3_is_not_audio(app, client):
    response = client.post(
        "/api/episodes",
        data={
            "audio": ((FIXTURES / "dialogue.txt").open("rb"), "episode.mp3"),
            "transcript": (FIXTURES / "dialogue.txt").open("rb"),
        },
    )

    assert response.status_code == 415
    assert "not audio" in response.json["error"]
    assert list((Path(app.config["DATA_DIR"]) / "episodes").iterdir()) == []
    assert list((Path(app.config["DATA_DIR"]) / "tmp").iterdir()) == []


def test_a_transcript_without_turns_is_422(client):
    response = client.post(
        "/api/episodes",
        data={
            "audio": (FIXTURES / "dialogue.mp3").open("rb"),
            "transcript": (FIXTURES / "dialogue.mp3").open("rb"),
        },
    )

    assert response.status_code == 422
    assert response.json["error"]


def test_an_upload_over_the_limit_is_413(tmp_path, monkeypatch):
    monkeypatch.delenv("PODALIGN_MAX_UPLOAD_MB", raising=False)
    small = create_app({"DATA_DIR": tmp_path, "MAX_UPLOAD_MB": 0.05}).test_client()

    response = small.post(
        "/api/episodes",
        data={
            "audio": (FIXTURES / "dialogue.mp3").open("rb"),
            "transcript": (FIXTURES / "dialogue.txt").open("rb"),
        },
    )

    assert response.status_code == 413
    assert response.json == {"error": "The upload is larger than this server's limit of 0.05 MB."}


def test_a_transcript_file_over_its_own_limit_is_413(client, monkeypatch):
    from podalign.api import uploads

    monkeypatch.setattr(uploads, "MAX_TRANSCRIPT_BYTES", 100)
    response = client.post(
        "/api/episodes",
        data={
            "audio": (FIXTURES / "dialogue.mp3").open("rb"),
            "transcript": (FIXTURES / "dialogue.txt").open("rb"),
        },
    )

    assert response.status_code == 413
    assert "transcript" in response.json["error"]


def test_unknown_episode_is_404_everywhere(client):
    for path in ["", "/audio", "/peaks", "/transcript.srt", "/transcript.podcast.json"]:
        response = client.get(f"/api/episodes/nope{path}")
        assert response.status_code == 404, path
        assert response.json["error"]
    assert client.post("/api/episodes/nope/retry").status_code == 404
    realign = client.post("/api/episodes/nope/realign", json={"transcript_text": "A: b"})
    assert realign.status_code == 404
    assert (
        client.patch("/api/episodes/nope/turns/0", json={"revision": 1, "start": 1}).status_code
        == 404
    )


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404
    assert response.is_json


def test_wrong_method_is_json_405_with_allow(client):
    response = client.put("/api/episodes")

    assert response.status_code == 405
    assert response.json["error"]
    assert "POST" in response.headers["Allow"]


def test_a_server_bug_is_a_json_500_without_internals(app, client, upload, monkeypatch):
    episode_id = upload().json["id"]

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("podalign.api.serialize.summary", broken)
    monkeypatch.setattr("podalign.api.episodes.summary", broken)
    app.testing = False  # as in production: errors are handled, not re-raised
    response = client.get(f"/api/episodes?x={episode_id}")

    assert response.status_code == 500
    assert response.json == {"error": "Internal server error; the details are in the server log."}
    assert b"secret" not in response.data and b"Traceback" not in response.data


def test_stale_upload_leftovers_are_removed(app):
    old, fresh = staging_dir(app.config["DATA_DIR"]), staging_dir(app.config["DATA_DIR"])
    os.utime(old, (0, 0))

    remove_stale_uploads(app.config["DATA_DIR"])

    assert not old.exists() and fresh.exists()


def test_episode_folders_without_a_row_are_removed_once_surely_dead(app, upload):
    data_dir = app.config["DATA_DIR"]
    kept = upload().json["id"]
    orphan, young = episode_dir(app, "crashed-before-its-row"), episode_dir(app, "young")
    for folder in (orphan, young):
        folder.mkdir(parents=True)
        (folder / "original.mp3").write_bytes(b"audio")
    os.utime(orphan, (0, 0))
    os.utime(episode_dir(app, kept), (0, 0))
    with app.app_context():
        known = storage.episode_ids(storage.get_db())

    assert remove_orphan_episode_dirs(data_dir, known) == ["crashed-before-its-row"]
    assert not orphan.exists() and young.exists() and episode_dir(app, kept).exists()


def test_deleting_the_last_episode_of_an_audio_forgets_its_decode_and_recognition(
    app, client, upload, run_jobs, tmp_path, recognition_cache
):
    # A copy of the run's shared cache, so that this test's deletes leave that one alone.
    cache_dir = tmp_path / "own-cache"
    shutil.copytree(recognition_cache, cache_dir)
    app.config["CACHE_DIR"] = str(cache_dir)
    first, second = upload().json, upload().json
    run_jobs()
    digest = audio_digest(FIXTURES / "dialogue.mp3")
    key = RecognitionCache(cache_dir).key(FIXTURES / "dialogue.mp3", model_id("tiny.en"), None)
    heard = [cache_dir / "audio" / f"{digest}{suffix}" for suffix in (".pcm", ".levels.npz")]
    heard += [cache_dir / "recognition" / f"{key}{suffix}" for suffix in (".json.gz", ".npy")]
    assert all(path.exists() for path in heard)

    assert client.delete(first["url"]).status_code == 204
    # The second episode has the same audio: it still realigns from the cache.
    assert all(path.exists() for path in heard)

    assert client.delete(second["url"]).status_code == 204
    assert not [path for path in heard if path.exists()]
