"""Recognise an uploaded transcript's format from its content and parse it."""

from __future__ import annotations

import gc
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath

from .encoding import decode_text
from .errors import TranscriptError
from .model import Transcript
from .names import split_label
from .parse_native_json import is_native_json, parse_native_json
from .parse_page import parse_page
from .parse_plain import parse_plain
from .parse_podcast_json import parse_podcast_json
from .parse_subtitles import CUE_TIMING, parse_srt, parse_vtt
from .parse_timestamped import parse_timestamped, stamped_line

NO_TURNS = (
    "No speaker turns found: expected paragraphs like 'Name: text', "
    "SRT/WebVTT cues, or Podcasting 2.0 JSON segments."
)
# Subtitle files start with cues; a page that quotes one "-->" line further down is not one.
_CUE_SEARCH_LINES = 50
# Stamps run through a whole timestamped file, so its start is enough to tell.
_STAMP_SAMPLE_LINES = 5000


def parse_transcript(data: bytes, filename: str | None = None) -> Transcript:
    """Parse an uploaded transcript in any supported format.

    The format comes from the content; the file name's extension only
    settles ties (a .vtt file without its WEBVTT header, a .json file that
    does not parse). Raises TranscriptError with a message for the user.
    """
    text = decode_text(data)
    extension = PurePath(filename).suffix.lower() if filename else ""
    with _collector_paused():
        transcript = _parse_text(text, extension)
    transcript.turns = [turn for turn in transcript.turns if turn.words]
    if not transcript.turns:
        raise TranscriptError(NO_TURNS)
    for index, turn in enumerate(transcript.turns):
        turn.index = index
    return transcript


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a transcript's objects are built.

    A 10 MB upload makes millions of Word objects, none of them in cycles;
    the collector rescanning them all as they pile up triples the parse time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_text(text: str, extension: str) -> Transcript:
    head = text.lstrip()
    if not head:
        raise TranscriptError("The transcript file is empty.")
    if head[0] in "{[":
        try:
            data = json.loads(head)
            if is_native_json(data):
                return parse_native_json(data)
            return parse_podcast_json(data)
        except RecursionError as exc:
            raise TranscriptError("This JSON is nested too deeply to be a transcript.") from exc
        except json.JSONDecodeError as exc:
            if head[0] == "{" or extension == ".json":
                raise TranscriptError(
                    f"This file looks like JSON but cannot be read: {exc.msg} "
                    f"(line {exc.lineno}, column {exc.colno})."
                ) from exc
    if head.startswith("WEBVTT"):
        return parse_vtt(head)
    if _has_cue_timings(head):
        return parse_vtt(head) if extension == ".vtt" else parse_srt(head)
    if _looks_timestamped(text):
        return parse_timestamped(text)
    return parse_page(text) or parse_plain(text)


def _has_cue_timings(text: str) -> bool:
    seen = 0
    for line in text.split("\n", _CUE_SEARCH_LINES * 4)[: _CUE_SEARCH_LINES * 4]:
        if not line.strip():
            continue
        if "-->" in line and CUE_TIMING.match(line):
            return True
        seen += 1
        if seen >= _CUE_SEARCH_LINES:
            break
    return False


def _looks_timestamped(text: str) -> bool:
    """Most turn-starting lines carry a time stamp (more than carry a bare label)."""
    stamped = labelled = paragraphs = 0
    after_blank = True
    for raw in text.split("\n", _STAMP_SAMPLE_LINES)[:_STAMP_SAMPLE_LINES]:
        line = raw.strip()
        if not line:
            after_blank = True
            continue
        paragraphs += after_blank
        after_blank = False
        if stamped_line(line) is not None:
            stamped += 1
        elif split_label(line) is not None:
            labelled += 1
    return stamped > labelled and (stamped >= 2 or paragraphs == 1)
