"""Chapters of an episode and their three exports.

- Podcasting 2.0 chapters JSON (``application/json+chapters``),
- a WebVTT chapters track (one cue per chapter, its title as the text),
- show notes: ``00:00 Title`` lines, the first at 00:00 as podcast and video
  sites require to show the list as chapters.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .cues import turn_span
from .model import Transcript
from .write_subtitles import clock, escape_vtt

MAX_TITLE_CHARS = 200
MAX_CHAPTERS = 500
CHAPTERS_VERSION = "1.2.0"


class ChapterError(ValueError):
    """A chapter list that cannot be stored; the message is for people."""


@dataclass(frozen=True)
class Chapter:
    start: float
    title: str


def checked_chapters(chapters: list[Chapter], duration: float) -> list[Chapter]:
    """The chapters in time order, after checking what a chapter list must hold."""
    if len(chapters) > MAX_CHAPTERS:
        raise ChapterError(f"An episode can have at most {MAX_CHAPTERS} chapters.")
    for chapter in chapters:
        title = chapter.title
        if not title.strip():
            raise ChapterError("Every chapter needs a title.")
        if len(title) > MAX_TITLE_CHARS:
            raise ChapterError(f"Chapter titles can be at most {MAX_TITLE_CHARS} characters.")
        if not (math.isfinite(chapter.start) and 0 <= chapter.start < duration):
            raise ChapterError(
                f"A chapter must start between 0 and the episode's end ({duration:.3f} s);"
                f" {title!r} starts at {chapter.start}."
            )
    ordered = sorted(chapters, key=lambda c: c.start)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if round(after.start, 3) == round(before.start, 3):
            raise ChapterError(
                f"Two chapters start at {before.start:.3f} s: {before.title!r} and {after.title!r}."
            )
    return [Chapter(round(c.start, 3), " ".join(c.title.split())) for c in ordered]


def snap_start(transcript: Transcript, seconds: float) -> float:
    """Move a chapter start onto the beginning of the word (or turn) it falls in.

    In a turn's first word: the turn's start. In a later word: that word's
    start; between words, the next word's. Past the last word's end but inside
    the turn: the last word's start. Outside every turn (music, silence): unchanged.
    """
    for turn in transcript.turns:
        span = turn_span(turn)
        if span is None or not span[0] <= seconds <= span[1]:
            continue
        starts = [
            (w.start, w.start if w.end is None else w.end)
            for w in turn.words
            if w.start is not None
        ]
        for position, (start, end) in enumerate(starts):
            if seconds <= end:
                # Up to the end of the first word is the turn's own start.
                return span[0] if position == 0 else start
        return starts[-1][0] if starts else span[0]
    return seconds


def _ends(chapters: list[Chapter], duration: float) -> list[float]:
    return [c.start for c in chapters[1:]] + [duration]


def write_chapters_json(chapters: list[Chapter], duration: float, title: str | None = None) -> str:
    """Podcasting 2.0 chapters: ``version`` and ``chapters[]`` with startTime, title, endTime."""
    document: dict = {"version": CHAPTERS_VERSION}
    if title:
        document["title"] = title
    document["chapters"] = [
        {"startTime": round(c.start, 3), "title": c.title, "endTime": round(end, 3)}
        for c, end in zip(chapters, _ends(chapters, duration), strict=True)
    ]
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_chapters_vtt(chapters: list[Chapter], duration: float) -> str:
    """A WebVTT chapters track: each chapter runs until the next one starts."""
    blocks = ["WEBVTT"]
    for n, (chapter, end) in enumerate(zip(chapters, _ends(chapters, duration), strict=True), 1):
        blocks.append(
            f"chapter-{n}\n{clock(chapter.start, '.')} --> {clock(end, '.')}\n"
            + escape_vtt(chapter.title)
        )
    return "\n\n".join(blocks) + "\n"


def write_show_notes(chapters: list[Chapter], duration: float) -> str:
    """``mm:ss Title`` lines (``h:mm:ss`` when the episode runs an hour or more)."""
    lines = []
    for n, chapter in enumerate(chapters):
        start = 0.0 if n == 0 else chapter.start
        lines.append(f"{_notes_stamp(start, duration >= 3600)} {chapter.title}")
    return "\n".join(lines) + "\n" if lines else ""


def _notes_stamp(seconds: float, hours: bool) -> str:
    whole = int(seconds)
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if hours else f"{m:02d}:{s:02d}"
