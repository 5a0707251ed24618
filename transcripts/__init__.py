"""Reading uploaded transcripts and writing timed ones.

``parse_transcript`` takes the bytes a user uploads (an AI-transcript page,
plain text, SRT, WebVTT, Podcasting 2.0 JSON or timestamped text);
``write_transcript`` renders a timed Transcript in one of ``FORMATS``;
chapters are checked, snapped, suggested and written by the chapter functions.
"""

from .chapters import (
    Chapter,
    ChapterError,
    checked_chapters,
    snap_start,
    write_chapters_json,
    write_chapters_vtt,
    write_show_notes,
)
from .detect import parse_transcript
from .errors import TranscriptError
from .model import Transcript, Turn, TurnStatus, Word, is_bracketed_note, words_of
from .suggest_chapters import Suggestion, suggest_chapters
from .write import FORMATS, untimed_turn_count, write_transcript
from .write_subtitles import PRESETS

__all__ = [
    "FORMATS",
    "PRESETS",
    "Chapter",
    "ChapterError",
    "Suggestion",
    "checked_chapters",
    "snap_start",
    "suggest_chapters",
    "write_chapters_json",
    "write_chapters_vtt",
    "write_show_notes",
    "Transcript",
    "TranscriptError",
    "Turn",
    "TurnStatus",
    "Word",
    "is_bracketed_note",
    "parse_transcript",
    "untimed_turn_count",
    "words_of",
    "write_transcript",
]
