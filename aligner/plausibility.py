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
from podalign.transcripts.model import Transcript, TurnStatus


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
        tokens = sum(len(normalise_word(text)) for text, _, _ in timed)
        if not tokens:
            continue
        spoken = sum(end - start for _, start, end in timed)
        slowness = spoken / (tokens * SETTINGS.seconds_per_token)
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
