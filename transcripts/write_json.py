"""JSON output: podalign's native turns-and-words JSON, and Podcasting 2.0 JSON."""

from __future__ import annotations

import json

from .cues import cut_cues
from .model import Transcript


def write_native_json(transcript: Transcript) -> str:
    """``{"title", "speakers", "turns": [...]}`` with every turn, timed or not."""
    return json.dumps(transcript.to_dict(), ensure_ascii=False, indent=2) + "\n"


def write_podcast_json(transcript: Transcript, include_words: bool = False) -> str:
    """A ``podcast:transcript`` JSON file: one segment per cue, or per word.

    With ``include_words`` every word is its own segment (word-level
    highlighting in podcast apps), timed within its cue.
    """
    segments = []
    for cue in cut_cues(transcript):
        if not include_words:
            segments.append(_segment(cue.speaker, cue.start, cue.end, cue.body))
            continue
        for word, (start, end) in zip(cue.words, cue.word_times, strict=True):
            start = min(max(start, cue.start), cue.end)
            segments.append(_segment(cue.speaker, start, min(max(end, start), cue.end), word.text))
    document = {"version": "1.0.0", "segments": segments}
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _segment(speaker: str | None, start: float, end: float, body: str) -> dict:
    segment: dict = {"startTime": round(start, 3), "endTime": round(end, 3), "body": body}
    if speaker:
        segment = {"speaker": speaker, **segment}
    return segment
