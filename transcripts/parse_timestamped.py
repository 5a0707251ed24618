"""Text with a timestamp per turn, as exported by many transcription tools.

Accepted line heads::

    [00:12:03] Name: text        00:12:03 Name: text        (12:03) Name: text
    Name (00:12:03): text        Name [12:03]: text         Name  12:03      (text below)

A turn's text may start on the next line (Rev, Otter). The stamps only mark
where turns begin; their times are not kept.
"""

from __future__ import annotations

import re

from .model import Transcript, Turn
from .names import is_name_shaped, split_label

_STAMP = r"(?:\d{1,3}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?|--:--:--"
_LEADING = re.compile(rf"(?:[\[(]({_STAMP})[\])]|({_STAMP})(?=\s))\s*")
_TRAILING = re.compile(rf"([^\[(:\n]{{1,50}}?)\s*[\[(]({_STAMP})[\])]\s*(?::\s*|$)")
_NAME_THEN_STAMP = re.compile(rf"([^\[(:\n]{{1,50}}?)\s+({_STAMP})$")
# Heads are short; matching only a line's start keeps long lines cheap.
_HEAD_CHARS = 80


def stamped_line(line: str) -> tuple[str | None, str] | None:
    """(speaker, text) for a line that starts a timestamped turn, else None."""
    # The NUL stops "$" from matching where the head was cut off.
    head = line[:_HEAD_CHARS] + ("\x00" if len(line) > _HEAD_CHARS else "")
    match = _LEADING.match(head)
    if match:
        return _speaker_and_text(line[match.end() :])
    for pattern in (_TRAILING, _NAME_THEN_STAMP):
        match = pattern.match(head)
        if match and is_name_shaped(match.group(1).strip()):
            return " ".join(match.group(1).split()), line[match.end() :]
    return None


def parse_timestamped(text: str) -> Transcript:
    entries: list[tuple[str | None, list[str]]] = []
    title_lines: list[str] = []
    # None when no turn is open; an open turn without text yet waits past blank lines.
    current: list[str] | None = None
    for raw in text.split("\n"):
        line = raw.strip()
        head = stamped_line(line) if line else None
        if head is not None:
            speaker, first = head
            current = [first.strip()] if first.strip() else []
            entries.append((speaker, current))
        elif not line:
            if current:
                current = None
        elif current is not None:
            current.append(line)
        elif not entries:
            title_lines.append(line)
    turns = [
        Turn(index=i, speaker=speaker, text=" ".join(lines))
        for i, (speaker, lines) in enumerate(entries)
    ]
    title = next((t for t in title_lines if len(t.split()) >= 3), None)
    return Transcript(turns=turns, title=title, source_format="timestamped")


def _speaker_and_text(rest: str) -> tuple[str | None, str]:
    rest = rest.strip()
    if rest.endswith(":") and is_name_shaped(rest[:-1].strip()):
        return " ".join(rest[:-1].split()), ""
    label = split_label(rest)
    if label is None:
        return None, rest
    return label
