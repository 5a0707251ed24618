"""Chapter suggestions from the structure of an uploaded transcript page.

AI-transcript pages often carry an outline of the episode around the
conversation: timestamped headings ("12:34 The edge", "[1:02:03] Wrap-up")
or a bullet list under a line such as "In this episode we discuss". A
timestamped heading gives its own time; a bullet is placed at the first turn,
after the previous suggestion, that mentions most of its words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cues import turn_span
from .model import Transcript

# A line opening an outline: "In this episode we discuss:", "Topics covered", "Chapters".
_OUTLINE_HEAD = re.compile(
    r"^\W*(in this (episode|conversation|interview|talk)\b|we discuss|we cover|topics|"
    r"chapters|timestamps|highlights|what we talk about|episode (overview|outline|highlights))",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[•*\-–—·▪◦>]|\d{1,2}[.)])\s+(.+)$")
_STAMP = r"(?:(\d{1,2}):)?(\d{1,2}):(\d{2})"
_STAMPED_HEADING = re.compile(
    rf"^\s*(?:[•*\-–—·▪◦>#]+\s*)?[\[(]?{_STAMP}[\])]?\s*(?:[-–—:|.]\s*)?(.+)$"
)
_MAX_TITLE_WORDS = 14
_WORD = re.compile(r"[^\W_]+")
_STEM_CHARS = 5
_STOP_WORDS = frozenset(
    """
    a an and are as at be but by do does for from has have how in into is it its of on or
    our so than that the their them then there these they this to was we were what when
    where which who why will with you your about more most some such very just also
    """.split()
)


@dataclass(frozen=True)
class Suggestion:
    start: float
    title: str
    turn_index: int
    source: str  # "timestamp" or "outline"

    def to_dict(self) -> dict:
        return {
            "startTime": round(self.start, 3),
            "title": self.title,
            "turn": self.turn_index,
            "source": self.source,
        }


def suggest_chapters(page: str, transcript: Transcript) -> list[Suggestion]:
    """Suggestions in time order, at most one per turn; none for an untimed transcript."""
    timed = [(turn.index, span[0]) for turn in transcript.turns if (span := turn_span(turn))]
    if not timed:
        return []
    suggestions = _stamped_headings(page, transcript.speakers, timed) or _outline(
        page, transcript, timed
    )
    seen: set[int] = set()
    unique = []
    for suggestion in sorted(suggestions, key=lambda s: s.start):
        if suggestion.turn_index not in seen:
            seen.add(suggestion.turn_index)
            unique.append(suggestion)
    return unique


def _stamped_headings(
    page: str, speakers: list[str], timed: list[tuple[int, float]]
) -> list[Suggestion]:
    # A stamped line that opens a turn ("[00:12] Alice: hello") is transcript, not outline.
    turn_heads = tuple(f"{name}:" for name in speakers)
    found = []
    for line in page.splitlines():
        match = _STAMPED_HEADING.match(line)
        if match is None:
            continue
        hours, minutes, seconds, title = match.groups()
        title = title.strip()
        if title.startswith(turn_heads) or len(title.split()) > _MAX_TITLE_WORDS:
            continue
        if not _WORD.search(title):
            continue
        start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        index, turn_start = _turn_at(timed, start)
        found.append(Suggestion(turn_start, _clean(title), index, "timestamp"))
    # A transcript stamped line by line is not an outline.
    return found if 2 <= len(found) <= len(timed) // 2 + 2 else []


def _turn_at(timed: list[tuple[int, float]], seconds: float) -> tuple[int, float]:
    """The turn playing at ``seconds``: the last to start at or before it (else the first)."""
    best = timed[0]
    for index, start in timed:
        if start <= seconds + 0.5:
            best = (index, start)
    # A heading stamped at 0:00 names the opening, wherever the first words fall.
    return best if seconds > 0 else (best[0], 0.0)


def _outline(page: str, transcript: Transcript, timed: list[tuple[int, float]]) -> list[Suggestion]:
    starts = dict(timed)
    turn_words = [(turn.index, _content_words(turn.text)) for turn in transcript.turns]
    found: list[Suggestion] = []
    after = -1
    for title in _outline_bullets(page):
        wanted = _content_words(title)
        if not wanted:
            continue
        best: tuple[int, int] | None = None
        for index, words in turn_words:
            if index <= after or index not in starts:
                continue
            score = len(wanted & words)
            if score * 2 >= len(wanted) and (best is None or score > best[0]):
                best = (score, index)
        if best is not None:
            after = best[1]
            found.append(Suggestion(starts[after], _clean(title), after, "outline"))
    return found


def _outline_bullets(page: str) -> list[str]:
    """Bullet items in the lists that follow an outline heading."""
    bullets: list[str] = []
    in_outline = False
    for line in page.splitlines():
        if _OUTLINE_HEAD.match(line) and not _BULLET.match(line):
            in_outline = True
            continue
        if not in_outline:
            continue
        match = _BULLET.match(line)
        if match:
            bullets.append(match.group(1))
        elif line.strip() and bullets:
            in_outline = False
    return [b for b in bullets if len(b.split()) <= _MAX_TITLE_WORDS * 2]


def _content_words(text: str) -> set[str]:
    """Lower-case words that carry meaning, cut to their first letters.

    Cutting is a crude stemmer ("started" and "start", "charts" and "chart"
    meet) that is good enough to find where a topic comes up.
    """
    return {
        word[:_STEM_CHARS]
        for word in _WORD.findall(text.lower())
        if word not in _STOP_WORDS and (len(word) >= 3 or word.isdigit())
    }


def _clean(title: str) -> str:
    return " ".join(title.split()).rstrip(".;,:")
