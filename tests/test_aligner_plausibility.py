"""aligner.plausibility: a turn spoken impossibly slowly is marked for checking."""

from __future__ import annotations

from podalign.aligner import trace
from podalign.aligner.plausibility import mark_implausible_turns
from podalign.transcripts.model import Transcript, Turn, TurnStatus, Word


def turn(index: int, times: list[tuple[str, float, float]], confidence: float = 0.9) -> Turn:
    words = [Word(text, start, end) for text, start, end in times]
    return Turn(
        index,
        "Ann",
        " ".join(w.text for w in words),
        times[0][1],
        times[-1][2],
        confidence,
        TurnStatus.ALIGNED,
        words,
    )


def test_words_stretched_far_beyond_speech_mark_the_turn_for_checking() -> None:
    stretched = turn(
        0, [("A", 0.0, 1.5), ("slightly", 1.5, 3.0), ("different", 3.0, 4.5), ("story.", 4.5, 5.9)]
    )
    normal = turn(1, [("That", 6.0, 6.2), ("is", 6.2, 6.35), ("right.", 6.35, 6.8)])
    paused = turn(2, [("Well", 7.0, 7.3), ("then.", 12.0, 12.4)])
    with trace.tracing() as recorded:
        mark_implausible_turns(Transcript(turns=[stretched, normal, paused]))
    assert stretched.confidence == 0.4
    # Pauses between words are not slowness: only the words' own lengths count.
    assert normal.confidence == 0.9 and paused.confidence == 0.9
    assert recorded.steps[0][0]["stage"] == "plausibility"
    assert "wrong pairing" in recorded.steps[0][0]["why"]


def test_a_lower_confidence_is_kept_and_unfound_turns_are_left_alone() -> None:
    low = turn(0, [("Yes.", 0.0, 3.0)], confidence=0.2)
    missing = Turn(1, "Bo", "Gone.", status=TurnStatus.NOT_FOUND)
    mark_implausible_turns(Transcript(turns=[low, missing]))
    assert low.confidence == 0.2 and missing.confidence is None


def test_an_opening_word_stretched_over_other_sound_marks_the_turn_for_checking() -> None:
    """ "know," over 1.6 s: the turn's start was paired with a pause or another speaker.
    The same length on a later word, or on a turn's only or last word, is left alone."""
    opening = turn(0, [("You", 1.0, 1.6), ("know,", 1.6, 3.2), ("we", 3.3, 3.4), ("get", 3.4, 3.6)])
    later = turn(1, [("We", 4.0, 4.1), ("get", 4.1, 4.3), ("so", 4.3, 5.9), ("many.", 5.9, 6.2)])
    last = turn(2, [("Right,", 7.0, 7.2), ("well.", 7.2, 8.4)])
    with trace.tracing() as recorded:
        mark_implausible_turns(Transcript(turns=[opening, later, last]))
    assert opening.confidence == 0.4
    assert later.confidence == 0.9 and last.confidence == 0.9
    assert "'know,'" in recorded.steps[0][0]["why"]
