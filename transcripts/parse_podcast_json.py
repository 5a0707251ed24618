"""Podcasting 2.0 JSON transcripts (``podcast:transcript`` type application/json).

``{"version": "1.0.0", "segments": [{"speaker", "startTime", "endTime", "body"}]}``
Consecutive segments of a speaker become one turn; their times are not kept.
"""

from __future__ import annotations

from typing import Any, TypeGuard

from .errors import TranscriptError
from .model import Transcript
from .segments import Segment, turns_from_segments

_NOT_PODCAST_JSON = (
    "This JSON file is not a Podcasting 2.0 transcript: expected an object with a "
    '"segments" list of {"speaker", "startTime", "endTime", "body"} entries.'
)


def is_podcast_json(data: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(data, dict) and isinstance(data.get("segments"), list)


def parse_podcast_json(data: object) -> Transcript:
    """Turns from already decoded JSON; raises TranscriptError if it is not this format."""
    if not is_podcast_json(data):
        raise TranscriptError(_NOT_PODCAST_JSON)
    segments = [
        Segment(
            speaker=_text(item.get("speaker")) or None,
            text=_text(item.get("body")),
        )
        for item in data["segments"]
        if isinstance(item, dict)
    ]
    turns = turns_from_segments(segments, inherit_speaker=False, join_unlabelled=True)
    if not turns:
        raise TranscriptError(
            'No speaker turns found: the "segments" of this Podcasting 2.0 JSON '
            'have no "body" text.'
        )
    return Transcript(turns=turns, source_format="podcast-json")


def _text(value: object) -> str:
    return " ".join(value.split()) if isinstance(value, str) else ""
