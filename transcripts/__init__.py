"""Reading uploaded transcripts and writing timed ones.

``parse_transcript`` takes the bytes a user uploads (an AI-transcript page,
plain text, SRT, WebVTT, Podcasting 2.0 JSON or timestamped text);
``write_transcript`` renders a timed Transcript in one of ``FORMATS``.
"""

from .detect import parse_transcript
from .errors import TranscriptError
from .model import Transcript, Turn, TurnStatus, Word, is_bracketed_note, words_of
from .write import FORMATS, untimed_turn_count, write_transcript

__all__ = [
    "FORMATS",
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
