"""Plain text without speaker labels: every paragraph is a turn."""

from __future__ import annotations

from .model import Transcript, Turn


def parse_plain(text: str) -> Transcript:
    paragraphs: list[list[str]] = []
    current: list[str] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            current = None
        elif current is None:
            current = [line]
            paragraphs.append(current)
        else:
            current.append(line)
    turns = [
        Turn(index=i, speaker=None, text=" ".join(lines)) for i, lines in enumerate(paragraphs)
    ]
    return Transcript(turns=turns, source_format="plain")
