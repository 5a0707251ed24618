"""Correcting a turn's times by hand, and keeping them through re-alignments."""

from __future__ import annotations

from pathlib import Path

import pytest
import srt
from podalign.api.manual import follow_edits
from podalign.api.storage import ManualTime
from podalign.transcripts.model import Transcript, Turn

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = (FIXTURES / "dialogue.txt").read_text()


def turn_url(episode: dict, index: int) -> str:
    return f"{episode['urls']['self']}/turns/{index}"


def revision(client, episode: dict) -> int:
    return client.get(episode["urls"]["self"]).json["revision"]


def test_a_corrected_turn_is_kept_and_marked_manual(client, episode):
    response = client.patch(
        turn_url(episode, 1),
        json={"revision": revision(client, episode), "start": 7.25, "end": 12.5},
    )

    assert response.status_code == 200
    assert response.json["start"] == 7.25 and response.json["end"] == 12.5
    assert response.json["status"] == "manual" and response.json["manual"] is True
    words = response.json["words"]
    assert words[0]["start"] == pytest.approx(7.25) and words[-1]["end"] <= 12.5
    turns = client.get(episode["urls"]["self"]).json["transcript"]["turns"]
    assert [t["manual"] for t in turns] == [False, True, False]
    assert (turns[1]["start"], turns[1]["end"], turns[1]["status"]) == (7.25, 12.5, "manual")


def test_exports_use_the_corrected_times(client, episode):
    client.patch(
        turn_url(episode, 1),
        json={"revision": revision(client, episode), "start": 7.25, "end": 12.5},
    )

    cues = list(srt.parse(client.get(episode["urls"]["downloads"]["srt"]).get_data(as_text=True)))

    bob = next(cue for cue in cues if "Thanks for having me" in cue.content)
    assert bob.start.total_seconds() == pytest.approx(7.25)


def test_without_an_end_the_turn_keeps_its_length(client, episode):
    turn = episode["transcript"]["turns"][1]

    moved = client.patch(
        turn_url(episode, 1),
        json={"revision": revision(client, episode), "start": turn["start"] - 0.5},
    ).json

    assert moved["end"] - moved["start"] == pytest.approx(turn["end"] - turn["start"], abs=0.002)


def test_a_turn_can_be_corrected_before_the_alignment(client, upload, run_jobs):
    url = upload().json["url"]
    episode = client.get(url).json

    assert client.patch(
        turn_url(episode, 2), json={"revision": revision(client, episode), "start": 13.0}
    ).json["end"] == pytest.approx(episode["duration"])
    run_jobs()

    turns = client.get(url).json["transcript"]["turns"]
    assert turns[2]["start"] == 13.0 and turns[2]["manual"] is True
    assert turns[0]["status"] != "pending"


@pytest.mark.parametrize(
    "body",
    [
        {"start": "7"},
        {"start": True},
        {"start": None},
        {"start": -1},
        {"start": 5, "end": 5},
        {"start": 6, "end": 5},
        {"start": 5, "end": 999},
        {"start": 999},
        {"end": 5},
        [5, 6],
    ],
)
def test_bad_times_are_400(client, episode, body):
    if isinstance(body, dict):
        body = {"revision": revision(client, episode), **body}
    response = client.patch(turn_url(episode, 1), json=body)

    assert response.status_code == 400
    assert response.json["error"]
    assert client.get(episode["urls"]["self"]).json["transcript"]["turns"][1]["manual"] is False


@pytest.mark.parametrize("raw", ['"start": NaN}', '"start": 1' + "0" * 400 + "}"])
def test_not_a_usable_number_is_400(client, episode, raw):
    raw = f'{{"revision": {revision(client, episode)}, ' + raw
    response = client.patch(turn_url(episode, 1), data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]


def test_no_such_turn_is_404(client, episode):
    response = client.patch(
        turn_url(episode, 3), json={"revision": revision(client, episode), "start": 1}
    )
    assert response.status_code == 404
    assert "0 to 2" in response.json["error"]


def test_corrections_survive_a_realignment_with_an_edited_transcript(client, episode, run_jobs):
    client.patch(
        turn_url(episode, 1),
        json={"revision": revision(client, episode), "start": 7.25, "end": 12.5},
    )
    client.patch(
        turn_url(episode, 2),
        json={"revision": revision(client, episode), "start": 13.0, "end": 18.0},
    )
    edited = DIALOGUE.replace("Alice Moreno: Welcome", "Bob Okafor: Hi.\n\nAlice Moreno: Welcome")
    edited = edited.replace("for 10 years.", "for ten years.")
    edited = edited.replace("Great. Let us start", "Let us begin instead with something else")

    response = client.post(f"{episode['urls']['self']}/realign", json={"transcript_text": edited})
    assert response.status_code == 202
    run_jobs()

    turns = client.get(episode["urls"]["self"]).json["transcript"]["turns"]
    assert [t["manual"] for t in turns] == [False, False, True, False]
    assert turns[2]["text"].endswith("for ten years.")
    assert (turns[2]["start"], turns[2]["end"]) == (7.25, 12.5)


def test_follow_edits_matches_speaker_and_nearly_the_same_text():
    manual = [
        ManualTime(0, 1.0, 2.0, "A", "Hello there, how are you?"),
        ManualTime(1, 3.0, 4.0, "B", "Fine thanks."),
        ManualTime(2, 5.0, 6.0, "A", "Yes."),
    ]
    edited = Transcript(
        turns=[
            Turn(0, "B", "Fine thanks."),
            Turn(1, "A", "Hello there, how are you ?"),
            Turn(2, "A", "Yes."),
            Turn(3, "A", "Yes."),
        ]
    )

    kept = follow_edits(manual, edited)

    assert [(m.turn_index, m.start) for m in kept] == [(1, 1.0), (0, 3.0), (2, 5.0)]


def test_follow_edits_drops_times_of_turns_that_are_gone():
    manual = [ManualTime(0, 1.0, 2.0, "A", "Hello there.")]

    assert follow_edits(manual, Transcript(turns=[Turn(0, "B", "Hello there.")])) == []
    assert follow_edits(manual, Transcript(turns=[Turn(0, "A", "Something else.")])) == []
