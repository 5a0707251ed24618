"""The optional API token: writes (and the list) need it, reading an episode by id does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from podalign.api import create_app

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "s3cret-token"
GOOD = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(tmp_path, monkeypatch, recognition_cache):
    monkeypatch.setenv("PODALIGN_API_TOKEN", TOKEN)
    return create_app({"DATA_DIR": tmp_path, "CACHE_DIR": recognition_cache})


@pytest.fixture
def episode_url(upload) -> str:
    response = upload(headers=GOOD)
    assert response.status_code == 202
    return response.json["url"]


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}]
)
def test_an_upload_without_the_token_is_401(upload, headers):
    response = upload(headers=headers)

    assert response.status_code == 401
    assert "token" in response.json["error"]
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_every_write_needs_the_token(client, episode_url):
    writes = [
        client.delete(episode_url),
        client.patch(f"{episode_url}/turns/0", json={"start": 1}),
        client.post(f"{episode_url}/realign", json={"transcript_text": "A: b"}),
        client.post(f"{episode_url}/retry"),
        client.get("/api/episodes"),  # the list would give every id away
        client.delete(f"{episode_url}/turns/0", json={"revision": 1}),
        client.post(f"{episode_url}/turns/0/split", json={"revision": 1, "at_word": 1}),
        client.post(f"{episode_url}/turns/0/merge", json={"revision": 1}),
        client.post(f"{episode_url}/turns", json={"revision": 1, "after": 0, "text": "Hi."}),
        client.post(f"{episode_url}/speakers/rename", json={"revision": 1, "from": "A", "to": "B"}),
        client.post(f"{episode_url}/replace", json={"find": "a", "replace": "b", "dry_run": True}),
        client.post(f"{episode_url}/undo", json={"revision": 1}),
        client.post(f"{episode_url}/redo", json={"revision": 1}),
    ]
    assert [response.status_code for response in writes] == [401] * len(writes)
    assert (
        client.patch(
            f"{episode_url}/turns/0", json={"revision": 1, "start": 1}, headers=GOOD
        ).status_code
        == 200
    )
    assert client.get("/api/episodes", headers=GOOD).json["total"] == 1


def test_an_episode_can_be_read_by_its_id_alone(client, episode_url):
    episode = client.get(episode_url).json

    assert episode["status"] == "queued"
    assert client.get(episode["urls"]["audio"]).status_code == 200
    assert client.get(episode["urls"]["peaks"]).status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_without_a_token_configured_writes_are_open(tmp_path, monkeypatch):
    monkeypatch.delenv("PODALIGN_API_TOKEN", raising=False)
    client = create_app({"DATA_DIR": tmp_path}).test_client()

    assert client.get("/api/episodes").status_code == 200
