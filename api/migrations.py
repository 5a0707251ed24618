"""The database schema, as an ordered list of migrations applied at start-up.

``PRAGMA user_version`` counts the migrations a database has had. To change the
schema, append a function to MIGRATIONS; never edit one that has shipped, since
existing databases have already run it. Each runs in its own transaction
together with the version bump, so a failed migration leaves no half-changed
schema, and a server and a worker starting at once cannot both run it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


class SchemaTooNew(RuntimeError):
    """The database was migrated by a newer podalign than this one."""


def _create_episodes_and_manual_turns(db: sqlite3.Connection) -> None:
    # IF NOT EXISTS: databases made before migrations existed (user_version 0)
    # already have this exact schema, and adopt it as version 1.
    db.execute(
        """
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
        )
        """
    )
    db.execute("CREATE INDEX IF NOT EXISTS episodes_newest ON episodes (created_at DESC)")
    db.execute("CREATE INDEX IF NOT EXISTS episodes_status ON episodes (status)")
    db.execute(
        """
        CREATE TABLE IF NOT EXISTS manual_turns (
            episode_id TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
            turn_index INTEGER NOT NULL,
            start_time REAL NOT NULL,
            end_time REAL NOT NULL,
            speaker TEXT,
            text TEXT NOT NULL,
            PRIMARY KEY (episode_id, turn_index)
        )
        """
    )


def _add_transcript_revisions_and_history(db: sqlite3.Connection) -> None:
    # What clients edit is versioned apart from the job revision: setting a time
    # by hand while a job is queued must not supersede that job.
    db.execute("ALTER TABLE episodes ADD COLUMN transcript_revision INTEGER NOT NULL DEFAULT 1")
    db.execute(
        """
        CREATE TABLE transcript_changes (
            episode_id TEXT NOT NULL REFERENCES episodes (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            revision INTEGER NOT NULL,
            label TEXT NOT NULL,
            change TEXT NOT NULL,
            undone INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            PRIMARY KEY (episode_id, seq)
        )
        """
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _create_episodes_and_manual_turns,
    _add_transcript_revisions_and_history,
]


def schema_version(db: sqlite3.Connection) -> int:
    version: int = db.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate(db: sqlite3.Connection) -> None:
    """Apply the migrations this database has not had yet, oldest first.

    ``db`` must be in autocommit mode (isolation_level None), as storage.connect makes it.
    """
    while _apply_next(db):
        pass


def _apply_next(db: sqlite3.Connection) -> bool:
    """Apply the next migration, if any; whether there was one."""
    db.execute("BEGIN IMMEDIATE")
    try:
        # Read under the write lock: another process may have migrated meanwhile.
        version = schema_version(db)
        if version > len(MIGRATIONS):
            raise SchemaTooNew(
                f"The database is at schema version {version}, but this podalign knows"
                f" only versions up to {len(MIGRATIONS)}; upgrade podalign to open it."
            )
        if version < len(MIGRATIONS):
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return version < len(MIGRATIONS)
