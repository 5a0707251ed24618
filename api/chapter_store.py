"""An episode's chapters: one row per episode holding the list and its revision.

The revision counts saves, so an editor working from an old copy gets a 409
instead of silently undoing someone else's change.
"""

from __future__ import annotations

import json
import sqlite3

from podalign.transcripts import Chapter


def chapters_of(db: sqlite3.Connection, episode_id: str) -> tuple[int, list[Chapter]]:
    """(revision, chapters); revision 0 and no chapters before the first save."""
    row = db.execute(
        "SELECT revision, chapters FROM episode_chapters WHERE episode_id = ?", (episode_id,)
    ).fetchone()
    if row is None:
        return 0, []
    return row[0], [Chapter(c["start"], c["title"]) for c in json.loads(row[1])]


def save_chapters(
    db: sqlite3.Connection, episode_id: str, revision: int, chapters: list[Chapter]
) -> int:
    """Store the chapters as the next revision after ``revision``; returns it."""
    stored = json.dumps([{"start": c.start, "title": c.title} for c in chapters])
    db.execute(
        "INSERT INTO episode_chapters (episode_id, revision, chapters) VALUES (?, ?, ?)"
        " ON CONFLICT (episode_id) DO UPDATE SET revision = excluded.revision,"
        " chapters = excluded.chapters",
        (episode_id, revision + 1, stored),
    )
    return revision + 1
