"""Full-text search over every episode's turns, in an SQLite FTS5 table.

The table (made by migrations.py) holds one row per timed turn of each aligned episode: its text is
indexed, the rest rides along. Rows are written when an alignment finishes,
moved when a turn's time is corrected by hand, and dropped when the episode is
re-aligned or deleted.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from podalign.transcripts.cues import turn_span
from podalign.transcripts.model import Transcript

MAX_QUERY_CHARS = 200
RANKED_CANDIDATES = 2000
MAX_QUERY_WORDS = 12
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@dataclass(frozen=True)
class Hit:
    episode_id: str
    episode_title: str
    turn_index: int
    speaker: str | None
    start: float
    text: str

    def to_dict(self) -> dict:
        return {
            "episode_id": self.episode_id,
            "episode_title": self.episode_title,
            "turn": self.turn_index,
            "speaker": self.speaker or "",
            "start": round(self.start, 3),
            "text": self.text,
        }


def index_episode(db: sqlite3.Connection, episode_id: str, transcript: Transcript) -> None:
    """Replace the episode's rows with its timed turns."""
    drop_episode(db, episode_id)
    db.executemany(
        "INSERT INTO turn_search (text, speaker, episode_id, turn_index, start)"
        " VALUES (?, ?, ?, ?, ?)",
        [
            (" ".join(turn.text.split()), turn.speaker, episode_id, position, span[0])
            for position, turn in enumerate(transcript.turns)
            if (span := turn_span(turn)) is not None
        ],
    )


def move_turn(db: sqlite3.Connection, episode_id: str, turn_index: int, start: float) -> None:
    db.execute(
        "UPDATE turn_search SET start = ? WHERE episode_id = ? AND turn_index = ?",
        (start, episode_id, turn_index),
    )


def drop_episode(db: sqlite3.Connection, episode_id: str) -> None:
    db.execute("DELETE FROM turn_search WHERE episode_id = ?", (episode_id,))


def match_expression(query: str) -> str | None:
    """An FTS5 query for what a person typed: every word must appear, the last
    as a prefix (so results come while typing); a "quoted phrase" must appear
    as written. None when the query has no words."""
    parts = []
    for phrase, loose in re.findall(r'"([^"]*)"|([^"]+)', query[:MAX_QUERY_CHARS]):
        tokens = _TOKEN.findall(phrase or loose)
        if phrase and tokens:
            parts.append('"' + " ".join(tokens) + '"')
        elif tokens:
            parts.extend(f'"{token}"' for token in tokens)
    parts = parts[:MAX_QUERY_WORDS]
    if not parts:
        return None
    if not query.rstrip().endswith('"'):
        parts[-1] += "*"
    return " ".join(parts)


def search(db: sqlite3.Connection, query: str, limit: int) -> list[Hit]:
    """The best-matching turns of all episodes, by bm25 rank.

    Only the first RANKED_CANDIDATES matches are ranked: a word in more turns
    than that says little about any one of them, and ranking every turn that
    holds "the" would take seconds over a large library.
    """
    expression = match_expression(query)
    if expression is None:
        return []
    rows = db.execute(
        "SELECT s.episode_id, e.title, s.turn_index, s.speaker, s.start, s.text"
        " FROM (SELECT rowid, rank FROM turn_search WHERE turn_search MATCH ? LIMIT ?) AS hit"
        " JOIN turn_search AS s ON s.rowid = hit.rowid"
        " JOIN episodes AS e ON e.id = s.episode_id"
        " ORDER BY hit.rank LIMIT ?",
        (expression, RANKED_CANDIDATES, limit),
    ).fetchall()
    return [Hit(*row) for row in rows]
