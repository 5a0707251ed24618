"""Turn times corrected by hand.

They are stored apart from the aligner's result and laid over it whenever an
episode is read, so a re-alignment can never overwrite them.
"""

from __future__ import annotations

from podalign.api.storage import ManualTime
from podalign.transcripts.model import Transcript, Turn, TurnStatus
from rapidfuzz import fuzz

# How alike (0-100) an edited turn's text must be to keep its hand-set times:
# a fixed typo keeps them, a rewritten turn does not.
MIN_SIMILARITY = 80


def apply_manual_times(transcript: Transcript, manuals: list[ManualTime]) -> set[int]:
    """Set the hand-set times on their turns; return the indexes of the turns changed.

    A time belongs to a turn by its speaker and text, never by its index alone: when the
    turn at its index is another one (a realignment moved the turns), it goes to the
    same-speaker, same-text turn nearest that index, or nowhere.
    """
    applied: set[int] = set()
    for manual in manuals:
        index = _turn_of(transcript, manual, applied)
        if index is not None:
            turn = transcript.turns[index]
            _retime_words(turn, manual.start, manual.end)
            turn.start, turn.end, turn.status = manual.start, manual.end, TurnStatus.MANUAL
            applied.add(index)
    return applied


def _turn_of(transcript: Transcript, manual: ManualTime, taken: set[int]) -> int | None:
    matches = [
        index
        for index, turn in enumerate(transcript.turns)
        if index not in taken
        and turn.text == manual.text
        and (turn.speaker or None) == (manual.speaker or None)
    ]
    return min(matches, key=lambda index: abs(index - manual.turn_index), default=None)


def follow_edits(manuals: list[ManualTime], transcript: Transcript) -> list[ManualTime]:
    """Move hand-set times onto the matching turns of an edited transcript.

    A turn matches when it has the same speaker and nearly the same text; among
    matches the most similar wins, then the one nearest the old position.
    Times whose turn no longer exists are dropped.
    """
    taken: set[int] = set()
    kept = []
    for manual in manuals:
        best: tuple[tuple[float, int], int] | None = None
        for index, turn in enumerate(transcript.turns):
            if index in taken or (turn.speaker or None) != (manual.speaker or None):
                continue
            score = fuzz.ratio(manual.text, turn.text)
            key = (score, -abs(index - manual.turn_index))
            if score >= MIN_SIMILARITY and (best is None or key > best[0]):
                best = (key, index)
        if best is not None:
            index = best[1]
            taken.add(index)
            turn = transcript.turns[index]
            kept.append(ManualTime(index, manual.start, manual.end, turn.speaker, turn.text))
    return kept


def _retime_words(turn: Turn, start: float, end: float) -> None:
    """Fit the words into the new span: stretch their aligned times, or spread them by length."""
    was_start, was_end = turn.start, turn.end
    aligned = [(word, word.start) for word in turn.words if word.start is not None]
    if (
        was_start is not None
        and was_end is not None
        and was_end > was_start
        and len(aligned) == len(turn.words)
    ):
        scale = (end - start) / (was_end - was_start)
        for word, word_start in aligned:
            word.start = _clamp(start + (word_start - was_start) * scale, start, end)
            word.end = _clamp(start + ((word.end or word_start) - was_start) * scale, start, end)
        return
    total = sum(len(word.text) for word in turn.words) or 1
    at = start
    for word in turn.words:
        word.start = at
        at += (end - start) * len(word.text) / total
        word.end = at


def _clamp(value: float, low: float, high: float) -> float:
    return min(max(value, low), high)
