"""HTML output in the Podcasting 2.0 shape: ``<cite>`` speaker, ``<time>``, ``<p>`` per turn."""

from __future__ import annotations

from html import escape

from .cues import turn_span
from .model import Transcript


def write_html(transcript: Transcript) -> str:
    """A standalone page; a turn's ``<cite>`` appears when the speaker changes, and
    untimed turns have no ``<time>``."""
    title = escape(transcript.title or "Transcript")
    parts = [
        "<!DOCTYPE html>",
        '<html><head><meta charset="utf-8">',
        f"<title>{title}</title></head>",
        "<body>",
        f"<h1>{title}</h1>",
    ]
    previous: str | None = None
    for turn in transcript.turns:
        speaker = " ".join(turn.speaker.split()) if turn.speaker else None
        if speaker and speaker != previous:
            parts.append(f"<cite>{escape(speaker)}:</cite>")
        previous = speaker
        span = turn_span(turn)
        if span is not None:
            parts.append(f'<time datetime="PT{span[0]:.3f}S">{stamp(span[0])}</time>')
        parts.append(f"<p>{escape(' '.join(turn.text.split()))}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def stamp(seconds: float) -> str:
    """``m:ss``, or ``h:mm:ss`` from an hour on."""
    whole = int(max(seconds, 0.0))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
