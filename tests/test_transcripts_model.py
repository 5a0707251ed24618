"""The Transcript model's own behaviour."""

from __future__ import annotations

from podalign.transcripts.model import Transcript, Turn, TurnStatus


def test_copy_can_be_timed_without_touching_the_original() -> None:
    original = Transcript([Turn(0, "Ana", "Hello there [laughs]"), Turn(1, None, "Hi.")], "Ep 1")
    copied = original.copy()
    copied.turns[0].start = 1.0
    copied.turns[0].status = TurnStatus.ALIGNED
    copied.turns[0].words[0].start = 1.0
    copied.turns[1].words.append(copied.turns[1].words[0])

    assert original.turns[0].start is None
    assert original.turns[0].status is TurnStatus.PENDING
    assert original.turns[0].words[0].start is None
    assert len(original.turns[1].words) == 1
    assert copied.title == "Ep 1"
    assert [w.spoken for w in copied.turns[0].words] == [True, True, False]
    assert original.copy() == original
