"""The episode database: SQLite in WAL mode, one connection per request or job.

Files live beside it under ``<data>/episodes/<id>/`` (see api/files.py); the
database holds what is queried and what must change atomically: status,
progress, the revision that tells a current job from a superseded one, and
the turns corrected by hand.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g
from podalign.api import chapter_store, search_index

SCHEMA = """
CREATE TABLE IF NOT EXISTS episodes (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    stage TEXT,
    error TEXT,
    duration REAL NOT NULL,
    audio_file TEXT NOT NULL,
    audio_filename TEXT,
    audio_mimetype TEXT NOT NULL,
    playable_file TEXT,
    transcript_file TEXT NOT NULL,
    transcript_filename TEXT,
    turn_count INTEGER NOT NULL,
    speakers TEXT NOT NULL,
    untimed_turns INTEGER,
    revision INTEGER NOT NULL DEFAULT 1,
    attempts INTEGER NOT NULL DEFAULT 0,
    worker TEXT,
    heartbeat_at REAL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS episodes_newest ON episodes (created_at DESC);
CREATE INDEX IF NOT EXISTS episodes_status ON episodes (status);
CREATE TABLE IF NOT EXISTS manual_turns (
    episode_id TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
    turn_index INTEGER NOT NULL,
    start_time REAL NOT NULL,
    end_time REAL NOT NULL,
    speaker TEXT,
    text TEXT NOT NULL,
    PRIMARY KEY (episode_id, turn_index)
);
"""


@dataclass(frozen=True)
class ManualTime:
    """A turn's times set by hand; speaker and text let it follow an edited transcript."""

    turn_index: int
    start: float
    end: float
    speaker: str | None
    text: str


def init_app(app: Flask) -> None:
    """Create the schema and close each request's connection when it ends."""
    db = connect(database_path(app.config["DATA_DIR"]))
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA + chapter_store.SCHEMA + search_index.SCHEMA)
    finally:
        db.close()
    app.teardown_appcontext(close_db)


def database_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / "podalign.db"


def connect(path: Path) -> sqlite3.Connection:
    # Autocommit: writes that must be atomic use transaction() explicitly.
    db = sqlite3.connect(path, timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA foreign_keys=ON")
    return db


def get_db() -> sqlite3.Connection:
    """This request's (or job's) connection, opened on first use."""
    if "db" not in g:
        g.db = connect(database_path(current_app.config["DATA_DIR"]))
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None:
        db.close()


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Take the write lock up front so a read-then-write cannot race another process."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def now_iso() -> str:
    return _iso(datetime.now(UTC))


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def insert_episode(db: sqlite3.Connection, fields: dict[str, Any]) -> None:
    fields = {**fields, "speakers": json.dumps(fields["speakers"])}
    fields.setdefault("created_at", now_iso())
    fields.setdefault("updated_at", fields["created_at"])
    names = ", ".join(fields)
    marks = ", ".join(f":{name}" for name in fields)
    db.execute(f"INSERT INTO episodes ({names}) VALUES ({marks})", fields)


def get_episode(db: sqlite3.Connection, episode_id: str) -> sqlite3.Row | None:
    return db.execute("SELECT * FROM episodes WHERE id = ?", (episode_id,)).fetchone()


def list_episodes(db: sqlite3.Connection, limit: int, offset: int) -> tuple[list[sqlite3.Row], int]:
    """A page of episodes, newest first, and the total count."""
    rows = db.execute(
        "SELECT * FROM episodes ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    total = db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    return rows, total


def update_episode(
    db: sqlite3.Connection, episode_id: str, *, at_revision: int | None = None, **fields: Any
) -> bool:
    """Set fields; with ``at_revision``, only if the episode is still at that revision.

    Returns whether a row changed, so a superseded job can tell it lost.
    """
    if "speakers" in fields:
        fields["speakers"] = json.dumps(fields["speakers"])
    fields["updated_at"] = now_iso()
    sets = ", ".join(f"{name} = :{name}" for name in fields)
    where = "id = :_id" + (" AND revision = :_revision" if at_revision is not None else "")
    cursor = db.execute(
        f"UPDATE episodes SET {sets} WHERE {where}",
        {**fields, "_id": episode_id, "_revision": at_revision},
    )
    return cursor.rowcount == 1


def delete_episode(db: sqlite3.Connection, episode_id: str) -> bool:
    return db.execute("DELETE FROM episodes WHERE id = ?", (episode_id,)).rowcount == 1


def claim_episode(
    db: sqlite3.Connection, episode_id: str, revision: int, worker: str, now: float
) -> sqlite3.Row | None:
    """Mark a queued episode running for this worker; None if someone else has it.

    Duplicate or stale queue messages are harmless because only one claim of a
    revision can succeed.
    """
    with transaction(db):
        cursor = db.execute(
            "UPDATE episodes SET status = 'running', stage = 'starting', progress = 0,"
            " error = NULL, attempts = attempts + 1, worker = ?, heartbeat_at = ?,"
            " updated_at = ? WHERE id = ? AND revision = ? AND status = 'queued'",
            (worker, now, now_iso(), episode_id, revision),
        )
        return get_episode(db, episode_id) if cursor.rowcount == 1 else None


def running_episodes(db: sqlite3.Connection) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM episodes WHERE status = 'running'").fetchall()


def queued_episodes(db: sqlite3.Connection, older_than_seconds: float) -> list[sqlite3.Row]:
    """Episodes queued and untouched for longer than ``older_than_seconds``."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    return db.execute(
        "SELECT * FROM episodes WHERE status = 'queued' AND updated_at < ?", (_iso(cutoff),)
    ).fetchall()


def manual_times(db: sqlite3.Connection, episode_id: str) -> list[ManualTime]:
    rows = db.execute(
        "SELECT turn_index, start_time, end_time, speaker, text FROM manual_turns"
        " WHERE episode_id = ? ORDER BY turn_index",
        (episode_id,),
    ).fetchall()
    return [ManualTime(*row) for row in rows]


def set_manual_time(db: sqlite3.Connection, episode_id: str, manual: ManualTime) -> None:
    db.execute(
        "INSERT OR REPLACE INTO manual_turns"
        " (episode_id, turn_index, start_time, end_time, speaker, text)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (episode_id, manual.turn_index, manual.start, manual.end, manual.speaker, manual.text),
    )


def replace_manual_times(
    db: sqlite3.Connection, episode_id: str, manuals: list[ManualTime]
) -> None:
    db.execute("DELETE FROM manual_turns WHERE episode_id = ?", (episode_id,))
    for manual in manuals:
        set_manual_time(db, episode_id, manual)
