"""Turns whose times cannot be right, however well their words matched, marked for checking.

A turn's confidence comes from how much of it was heard and how well the
acoustic aligner backs its place. Neither notices a turn paired with the
wrong stretch of audio when its few words were heard there too: "A slightly
different story." spread over six seconds, each word three times its usual
length. Speech that slow is a sign of a wrong pairing, so such a turn's
confidence drops below the line where the page asks for a check.
"""

from __future__ import annotations

from podalign.aligner import trace
from podalign.aligner.normalise import normalise_word
from podalign.aligner.settings import SETTINGS
from podalign.transcripts.model import Transcript, Turn, TurnStatus

# A spoken word's text, start and end in seconds.
TimedWord = tuple[str, float, float]


def mark_implausible_turns(transcript: Transcript) -> None:
    """Lower the confidence of found turns whose words last far longer than speech does."""
    for turn in transcript.turns:
        if turn.status == TurnStatus.NOT_FOUND or turn.confidence is None:
            continue
        timed = [
            (w.text, start, end)
            for w in turn.words
            if w.spoken and (start := w.start) is not None and (end := w.end) is not None
        ]
        _mark_stretched_opening(turn, timed)
        slowness = _slowness(timed)
        if slowness > SETTINGS.slowest_speech_ratio:
            turn.confidence = min(turn.confidence, SETTINGS.doubtful_confidence)
            trace.note(
                turn.index,
                "plausibility",
                "confidence lowered: check this turn",
                slowness=slowness,
                why=f"its words last {slowness:.1f} times as long as speech usually does"
                f" (at most {SETTINGS.slowest_speech_ratio:g}): a sign of a wrong pairing",
            )


def _mark_stretched_opening(turn: Turn, timed: list[TimedWord]) -> None:
    """A turn whose first or second word lasts far longer than any word is said, with more
    words after it, starts where the pairing went wrong: that word was stretched over a
    pause or another speaker's speech ("know," over 1.6 s), so its start is not to be
    trusted, however well the rest of the turn matched."""
    for word in timed[: min(2, len(timed) - 1)]:
        stretch = _slowness([word])
        if stretch > SETTINGS.stretched_word_ratio:
            turn.confidence = min(turn.confidence or 0.0, SETTINGS.doubtful_confidence)
            trace.note(
                turn.index,
                "plausibility",
                "confidence lowered: check this turn",
                word=word[0],
                why=f"its opening word {word[0]!r} lasts {stretch:.1f} times as long as a"
                f" word usually does (at most {SETTINGS.stretched_word_ratio:g}): a sign of"
                " a wrong pairing at the turn's start",
            )
            return


def _slowness(timed: list[TimedWord]) -> float:
    """How many times longer than usual speech the words last (0 with nothing to say)."""
    tokens = sum(len(normalise_word(text)) for text, _, _ in timed)
    if not tokens:
        return 0.0
    return sum(end - start for _, start, end in timed) / (tokens * SETTINGS.seconds_per_token)
