"""Output formats and the dispatch to their writers."""

from __future__ import annotations

from .cues import turn_span
from .model import Transcript
from .write_html import write_html
from .write_json import write_native_json, write_podcast_json
from .write_subtitles import write_srt, write_vtt
from .write_text import write_text

# Output format name -> (file extension, MIME type).
FORMATS: dict[str, tuple[str, str]] = {
    "json": (".json", "application/json"),
    "srt": (".srt", "application/x-subrip"),
    "vtt": (".vtt", "text/vtt"),
    "txt": (".txt", "text/plain"),
    "podcast-json": (".json", "application/json"),
    "html": (".html", "text/html"),
}

_WRITERS = {
    "json": write_native_json,
    "srt": write_srt,
    "vtt": write_vtt,
    "txt": write_text,
    "podcast-json": write_podcast_json,
    "html": write_html,
}


def write_transcript(transcript: Transcript, fmt: str, **options: object) -> str:
    """Render ``transcript`` as ``fmt`` (a key of FORMATS).

    Options: ``max_line_chars`` and ``max_lines`` for srt and vtt (see
    PRESETS), ``word_timestamps`` for vtt, ``include_words`` for podcast-json.
    The subtitle and podcast-json writers leave out turns without times; see
    untimed_turn_count.
    """
    writer = _WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"Unknown transcript format {fmt!r}; choose one of {', '.join(FORMATS)}.")
    return writer(transcript, **options)


def untimed_turn_count(transcript: Transcript) -> int:
    """How many turns have no times, and so are missing from srt, vtt and podcast-json output."""
    return sum(1 for turn in transcript.turns if turn_span(turn) is None)
