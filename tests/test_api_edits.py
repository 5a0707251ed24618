"""Editing an aligned episode through the API: every call, stale revisions, undo, realign."""

from __future__ import annotations

import pytest
import srt
from podalign.api import create_app


def url(episode: dict, path: str = "") -> str:
    return f"{episode['urls']['self']}{path}"


def current(client, episode: dict) -> dict:
    return client.get(url(episode)).json


def turns(client, episode: dict) -> list[dict]:
    return current(client, episode)["transcript"]["turns"]


def write(client, method: str, episode: dict, path: str, **body):
    """A write at the episode's current revision."""
    body = {"revision": current(client, episode)["revision"], **body}
    return client.open(url(episode, path), method=method, json=body)


def cues(client, episode: dict) -> list[srt.Subtitle]:
    return list(srt.parse(client.get(episode["urls"]["downloads"]["srt"]).get_data(as_text=True)))


def test_the_episode_carries_its_revision(client, episode):
    assert isinstance(episode["revision"], int)
    assert client.get("/api/episodes").json["episodes"][0]["revision"] == episode["revision"]


def test_editing_text_answers_the_retimed_turn_and_leaves_the_others(client, episode):
    before = episode["transcript"]["turns"]
    text = before[1]["text"].replace("for 10 years.", "for ten years.")

    response = write(client, "PATCH", episode, "/turns/1", text=text)

    assert response.status_code == 200
    turn = response.json
    assert turn["text"] == text and turn["index"] == 1 and turn["status"] == "aligned"
    assert turn["revision"] == episode["revision"] + 1
    ten = next(w for w in turn["words"] if w["text"] == "ten")
    old_ten = next(w for w in before[1]["words"] if w["text"] == "10")
    assert ten["start"] == pytest.approx(old_ten["start"], abs=0.15)
    assert turn["words"][:5] == before[1]["words"][:5]
    after = turns(client, episode)
    assert [after[0], after[2]] == [before[0], before[2]]
    assert any("for ten years." in cue.content for cue in cues(client, episode))


def test_a_stale_revision_is_409_with_the_current_one(client, episode):
    write(client, "PATCH", episode, "/turns/0", speaker="Host")
    stale = episode["revision"]

    response = client.patch(url(episode, "/turns/2"), json={"revision": stale, "text": "Hi."})

    assert response.status_code == 409
    assert response.json["revision"] == stale + 1 and response.json["error"]
    assert turns(client, episode)[2]["text"] == episode["transcript"]["turns"][2]["text"]
    realign = client.post(url(episode, "/realign"), json={"revision": stale})
    assert realign.status_code == 409 and realign.json["revision"] == stale + 1


@pytest.mark.parametrize(
    "body", [{"text": "Hi."}, {"revision": "2", "text": "Hi."}, {"revision": True, "text": "x"}]
)
def test_a_write_without_a_revision_is_400(client, episode, body):
    response = client.patch(url(episode, "/turns/0"), json=body)
    assert response.status_code == 400 and "revision" in response.json["error"]


def test_changing_a_speaker_to_a_new_name(client, episode):
    response = write(client, "PATCH", episode, "/turns/1", speaker="  Robert   Okafor ")
    assert response.json["speaker"] == "Robert Okafor"
    assert current(client, episode)["speakers"] == ["Alice Moreno", "Robert Okafor"]
    assert any(cue.content.startswith("Robert Okafor: Thanks") for cue in cues(client, episode))


def test_renaming_a_speaker_everywhere(client, episode):
    response = write(
        client, "POST", episode, "/speakers/rename", **{"from": "Alice Moreno", "to": "Alice M."}
    )
    assert response.status_code == 200
    assert [t["index"] for t in response.json["turns"]] == [0, 2]
    assert [t["speaker"] for t in turns(client, episode)] == ["Alice M.", "Bob Okafor", "Alice M."]
    missing = write(client, "POST", episode, "/speakers/rename", **{"from": "Nobody", "to": "X"})
    assert missing.status_code == 404


def test_find_and_replace_previews_then_replaces(client, episode):
    preview = client.post(
        url(episode, "/replace"), json={"find": "the", "replace": "THE", "dry_run": True}
    )
    assert preview.json["count"] == 2 and preview.json["occurrences"] == 3
    assert preview.json["turns"] == [0, 2]
    assert current(client, episode)["revision"] == episode["revision"]

    response = write(
        client, "POST", episode, "/replace", find="Kubernetes", replace="Kubernetes (K8s)"
    )

    assert response.json["count"] == 1 and response.json["turns"][0]["index"] == 2
    assert "Kubernetes (K8s)" in turns(client, episode)[2]["text"]
    assert response.json["turns"][0]["status"] == "aligned"


def test_split_a_turn_at_a_word(client, episode):
    text = episode["transcript"]["turns"][1]["text"]
    response = write(client, "POST", episode, "/turns/1/split", at_word=4, speaker="Carol")

    assert response.status_code == 200
    first, second = response.json["turns"]
    assert (first["index"], second["index"]) == (1, 2)
    assert first["text"] == "Thanks for having me." and second["speaker"] == "Carol"
    assert f"{first['text']} {second['text']}" == text
    assert second["start"] >= first["end"]
    assert len(turns(client, episode)) == 4
    assert any(cue.content.endswith("Thanks for having me.") for cue in cues(client, episode))
    bad = write(client, "POST", episode, "/turns/1/split", at_word=0)
    assert bad.status_code == 400


def test_merge_a_turn_with_the_next(client, episode):
    response = write(client, "POST", episode, "/turns/0/merge")

    merged = response.json["turns"][0]
    before = episode["transcript"]["turns"]
    assert merged["text"] == f"{before[0]['text']} {before[1]['text']}"
    assert (merged["start"], merged["end"]) == (before[0]["start"], before[1]["end"])
    assert len(turns(client, episode)) == 2
    assert write(client, "POST", episode, "/turns/1/merge").status_code == 400


def test_insert_a_turn_nobody_said_is_not_found(client, episode):
    response = write(
        client,
        "POST",
        episode,
        "/turns",
        after=0,
        speaker="Carol",
        text="Giraffes eat acacia leaves in winter.",
    )

    assert response.status_code == 201
    turn = response.json["turns"][0]
    assert turn["index"] == 1 and turn["status"] == "not_found" and turn["start"] is None
    assert [t["speaker"] for t in turns(client, episode)][1] == "Carol"
    first = write(client, "POST", episode, "/turns", after=-1, speaker=None, text="Cold open.")
    assert first.json["turns"][0]["index"] == 0
    assert write(client, "POST", episode, "/turns", after=9, text="x").status_code == 400


def test_delete_a_turn(client, episode):
    response = write(client, "DELETE", episode, "/turns/1")

    assert response.status_code == 200 and response.json["turns"] == []
    assert [t["speaker"] for t in turns(client, episode)] == ["Alice Moreno", "Alice Moreno"]
    assert not any("Thanks for having me" in cue.content for cue in cues(client, episode))
    write(client, "DELETE", episode, "/turns/1")
    assert write(client, "DELETE", episode, "/turns/0").status_code == 400


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PATCH", "/turns/3", {"text": "x"}),
        ("POST", "/turns/3/split", {"at_word": 1}),
        ("POST", "/turns/3/merge", {}),
        ("DELETE", "/turns/3", {}),
    ],
)
def test_no_such_turn_is_404(client, episode, method, path, body):
    assert write(client, method, episode, path, **body).status_code == 404


def test_text_edits_wait_for_the_alignment(client, upload):
    body = upload().json
    episode = client.get(body["url"]).json
    response = write(client, "PATCH", episode, "/turns/0", text="Hello.")
    assert response.status_code == 409 and response.json["revision"] == episode["revision"]


def test_hand_set_times_survive_an_edit_of_the_turn(client, episode):
    write(client, "PATCH", episode, "/turns/1", start=7.0, end=12.3)

    response = write(
        client,
        "PATCH",
        episode,
        "/turns/1",
        text="Thanks for having me. I have been building cloud software for ten years.",
    )

    turn = response.json
    assert turn["status"] == "manual" and turn["manual"] is True
    assert (turn["start"], turn["end"]) == (7.0, 12.3)
    assert all(7.0 <= w["start"] <= w["end"] <= 12.3 for w in turn["words"])
    write(client, "POST", episode, "/turns/0/merge")
    assert turns(client, episode)[0]["manual"] is True


def test_undo_and_redo_step_through_the_history(client, episode):
    original = turns(client, episode)
    write(client, "PATCH", episode, "/turns/2", text="Great. Let us start with Kubernetes.")
    edited = turns(client, episode)
    write(client, "POST", episode, "/turns/1/split", at_word=4)
    split = turns(client, episode)

    history = client.get(url(episode, "/revisions")).json
    assert [c["label"] for c in history["changes"]] == ["Edit the text of line 3", "Split line 2"]
    assert history["undo"] == "Split line 2" and history["redo"] is None
    assert all(c["at"] and c["undone"] is False for c in history["changes"])

    assert write(client, "POST", episode, "/undo").status_code == 200
    assert turns(client, episode) == edited
    write(client, "POST", episode, "/undo")
    assert turns(client, episode) == original
    nothing = write(client, "POST", episode, "/undo")
    assert nothing.status_code == 409 and "nothing to undo" in nothing.json["error"]

    redo = write(client, "POST", episode, "/redo")
    assert redo.json["turns"][0]["text"] == "Great. Let us start with Kubernetes."
    assert turns(client, episode) == edited
    write(client, "POST", episode, "/redo")
    assert turns(client, episode) == split
    assert write(client, "POST", episode, "/redo").status_code == 409


def test_a_new_change_after_an_undo_forgets_the_redo(client, episode):
    write(client, "DELETE", episode, "/turns/0")
    write(client, "POST", episode, "/undo")
    write(client, "PATCH", episode, "/turns/0", speaker="Host")
    history = client.get(url(episode, "/revisions")).json
    assert [c["label"] for c in history["changes"]] == ["Give line 1 to Host"]
    assert history["redo"] is None


def test_the_history_survives_a_restart(app, client, episode):
    write(client, "DELETE", episode, "/turns/0")

    restarted = create_app(
        {"TESTING": True, "DATA_DIR": app.config["DATA_DIR"], "CACHE_DIR": app.config["CACHE_DIR"]}
    ).test_client()

    assert restarted.get(url(episode, "/revisions")).json["undo"] == "Delete line 1"
    revision = restarted.get(url(episode)).json["revision"]
    assert restarted.post(url(episode, "/undo"), json={"revision": revision}).status_code == 200
    assert len(turns(restarted, episode)) == 3


def test_realign_after_edits_aligns_the_edited_transcript(client, episode, run_jobs):
    write(client, "PATCH", episode, "/turns/2", start=13.0, end=17.2)
    write(client, "POST", episode, "/turns/1/split", at_word=4, speaker="Carol")
    write(client, "PATCH", episode, "/turns/1", text="Thanks for having me!")
    revision = current(client, episode)["revision"]

    response = client.post(url(episode, "/realign"), json={"revision": revision})
    assert response.status_code == 202
    run_jobs()

    done = current(client, episode)
    assert done["status"] == "done" and done["revision"] > revision
    assert [t["speaker"] for t in done["transcript"]["turns"]] == [
        "Alice Moreno",
        "Bob Okafor",
        "Carol",
        "Alice Moreno",
    ]
    assert done["transcript"]["turns"][1]["text"] == "Thanks for having me!"
    assert all(t["status"] in ("aligned", "manual") for t in done["transcript"]["turns"])
    assert done["transcript"]["turns"][3]["manual"] is True
    assert client.get(url(episode, "/revisions")).json["changes"] == []
