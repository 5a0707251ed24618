"""Re-timing an edited turn from the cached recognition of the fixture dialogue."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
from podalign.aligner import align_transcript
from podalign.aligner.retime import cached_recognition, retime_turn
from podalign.transcripts import parse_transcript
from podalign.transcripts.edits import apply_change, edit_turn, insert_turn
from podalign.transcripts.model import Transcript, TurnStatus

FIXTURES = Path(__file__).parent / "fixtures"
AUDIO = FIXTURES / "dialogue.mp3"
TEXT = (FIXTURES / "dialogue.txt").read_text()
TRUE_LAST = "Great. Let us start with the basics of Kubernetes and Helm."
MISHEARD_LAST = "Great. Let us start with the basics of Cooper Netties and Helm."

pytestmark = pytest.mark.slow


def align(text: str, cache: Path) -> Transcript:
    return align_transcript(AUDIO, parse_transcript(text.encode()), cache_dir=cache)


@pytest.fixture(scope="module")
def truth(recognition_cache: Path) -> Transcript:
    """The dialogue aligned from the right text: what a fixed turn should come back to."""
    return align(TEXT, recognition_cache)


def starts(turn) -> list[float | None]:
    return [w.start for w in turn.words]


def test_a_misheard_name_set_right_gets_the_times_of_the_right_text(truth, recognition_cache):
    timed = align(TEXT.replace(TRUE_LAST, MISHEARD_LAST), recognition_cache)
    heard = cached_recognition(AUDIO, "tiny.en", recognition_cache)
    assert heard is not None
    before = copy.deepcopy(timed.turns[:2])

    change = edit_turn(timed, 2, TRUE_LAST, "Alice Moreno")
    apply_change(timed, change)
    began = time.perf_counter()
    retime_turn(timed, 2, heard)
    elapsed = time.perf_counter() - began

    turn = timed.turns[2]
    assert turn.text == TRUE_LAST and turn.status == TurnStatus.ALIGNED
    errors = [abs(a - b) for a, b in zip(starts(turn), starts(truth.turns[2]), strict=True)]
    assert max(errors) <= 0.15, errors
    assert turn.start == pytest.approx(truth.turns[2].start, abs=0.15)
    assert timed.turns[:2] == before
    assert elapsed < 0.2


def test_a_turn_the_transcript_missed_is_found_between_its_neighbours(truth, recognition_cache):
    bob = next(t for t in truth.turns if t.speaker == "Bob Okafor")
    without_bob = "\n".join(line for line in TEXT.splitlines() if "Bob Okafor" not in line)
    timed = align(without_bob, recognition_cache)
    assert [t.speaker for t in timed.turns] == ["Alice Moreno", "Alice Moreno"]
    heard = cached_recognition(AUDIO, "tiny.en", recognition_cache)

    apply_change(timed, insert_turn(timed, 0, "Bob Okafor", bob.text))
    retime_turn(timed, 1, heard)

    found = timed.turns[1]
    assert found.status == TurnStatus.ALIGNED
    assert found.start == pytest.approx(bob.start, abs=0.3)
    assert found.end == pytest.approx(bob.end, abs=0.3)


def test_an_inserted_turn_nobody_said_is_not_found(truth, recognition_cache):
    timed = copy.deepcopy(truth)
    heard = cached_recognition(AUDIO, "tiny.en", recognition_cache)
    apply_change(timed, insert_turn(timed, 0, "Carol", "Giraffes eat acacia leaves all winter."))
    retime_turn(timed, 1, heard)
    assert timed.turns[1].status == TurnStatus.NOT_FOUND and timed.turns[1].start is None


def test_a_hand_timed_turn_keeps_its_span_through_an_edit(truth, recognition_cache):
    timed = copy.deepcopy(truth)
    heard = cached_recognition(AUDIO, "tiny.en", recognition_cache)
    turn = timed.turns[1]
    turn.status, turn.start, turn.end = TurnStatus.MANUAL, turn.start - 0.2, turn.end + 0.2
    span = (turn.start, turn.end)

    apply_change(timed, edit_turn(timed, 1, turn.text.replace("10", "ten"), turn.speaker))
    retime_turn(timed, 1, heard)

    edited = timed.turns[1]
    assert edited.status == TurnStatus.MANUAL and (edited.start, edited.end) == span
    assert all(span[0] <= w.start <= w.end <= span[1] for w in edited.words)


def test_without_a_cached_recognition_new_words_sit_between_the_old_ones(truth, tmp_path):
    assert cached_recognition(AUDIO, "tiny.en", tmp_path) is None
    timed = copy.deepcopy(truth)
    apply_change(timed, edit_turn(timed, 2, MISHEARD_LAST, "Alice Moreno"))
    retime_turn(timed, 2, None)
    words = timed.turns[2].words
    assert all(w.start is not None for w in words)
    assert starts(timed.turns[2]) == sorted(starts(timed.turns[2]))
