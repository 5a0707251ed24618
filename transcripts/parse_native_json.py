"""podalign's own JSON (the .json download) read back: each turn's speaker and text.

The times are left behind: a transcript read back is aligned afresh.
"""

from __future__ import annotations

from .errors import TranscriptError
from .model import Transcript, Turn


def is_native_json(data: object) -> bool:
    return isinstance(data, dict) and isinstance(data.get("turns"), list)


def parse_native_json(data: dict) -> Transcript:
    turns: list[Turn] = []
    for item in data["turns"]:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            continue
        text = " ".join(item["text"].split())
        speaker = item.get("speaker")
        speaker = " ".join(speaker.split()) or None if isinstance(speaker, str) else None
        if text:
            turns.append(Turn(len(turns), speaker, text))
    if not turns:
        raise TranscriptError('No turns found: the "turns" of this JSON have no "text".')
    title = data.get("title")
    return Transcript(turns, title if isinstance(title, str) else None, "podalign-json")
