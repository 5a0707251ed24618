"""An episode's chapters: one row per episode holding the list as JSON.

Stale writes are caught by the episode's transcript revision (see publish.py),
which every chapter save bumps like any transcript edit.
"""

from __future__ import annotations

import json
import sqlite3

from podalign.transcripts import Chapter


def chapters_of(db: sqlite3.Connection, episode_id: str) -> list[Chapter]:
    row = db.execute(
        "SELECT chapters FROM episode_chapters WHERE episode_id = ?", (episode_id,)
    ).fetchone()
    if row is None:
        return []
    return [Chapter(c["start"], c["title"]) for c in json.loads(row[0])]


def save_chapters(db: sqlite3.Connection, episode_id: str, chapters: list[Chapter]) -> None:
    stored = json.dumps([{"start": c.start, "title": c.title} for c in chapters])
    db.execute(
        "INSERT INTO episode_chapters (episode_id, chapters) VALUES (?, ?)"
        " ON CONFLICT (episode_id) DO UPDATE SET chapters = excluded.chapters",
        (episode_id, stored),
    )
