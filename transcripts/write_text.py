"""Plain-text output: one ``[hh:mm:ss] Name: text`` line per turn."""

from __future__ import annotations

from .cues import turn_span
from .model import Transcript

UNTIMED_STAMP = "[--:--:--]"


def write_text(transcript: Transcript) -> str:
    """Untimed turns are kept, stamped ``[--:--:--]``; the result reads back as timestamped text."""
    lines = []
    for turn in transcript.turns:
        span = turn_span(turn)
        stamp = UNTIMED_STAMP if span is None else _stamp(span[0])
        text = " ".join(turn.text.split())
        name = " ".join(turn.speaker.split()) if turn.speaker else ""
        lines.append(f"{stamp} {name}: {text}" if name else f"{stamp} {text}")
    return "\n".join(lines) + "\n" if lines else ""


def _stamp(seconds: float) -> str:
    whole = int(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"[{hours:02d}:{minutes:02d}:{secs:02d}]"
