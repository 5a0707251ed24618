"""Schema migrations: old databases are brought up to date at start-up, new ones refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from podalign.api import create_app, migrations, storage
from podalign.api.migrations import MIGRATIONS, SchemaTooNew, migrate, schema_version

# The schema exactly as podalign 0.1.0 created it, before migrations existed
# (CREATE ... IF NOT EXISTS at every start, user_version left at 0).
SCHEMA_BEFORE_MIGRATIONS = """
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


def shape(db: sqlite3.Connection) -> dict[str, object]:
    """Every table's and index's columns, as SQLite reports them."""
    objects = db.execute(
        "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return {
        name: [
            tuple(column)
            for column in db.execute(
                f"PRAGMA {'table_xinfo' if kind == 'table' else 'index_xinfo'}({name})"
            )
        ]
        for kind, name in objects
    }


def fresh_database(path: Path) -> sqlite3.Connection:
    db = storage.connect(path)
    migrate(db)
    return db


@pytest.fixture
def old_data_dir(tmp_path: Path) -> Path:
    """A data dir whose podalign.db was made by the schema before migrations, with one episode."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = sqlite3.connect(data_dir / "podalign.db")
    db.executescript(SCHEMA_BEFORE_MIGRATIONS)
    db.execute(
        "INSERT INTO episodes (id, title, status, progress, duration, audio_file, audio_filename,"
        " audio_mimetype, transcript_file, transcript_filename, turn_count, speakers,"
        " untimed_turns, created_at, updated_at) VALUES ('old', 'An old episode', 'done', 100,"
        " 18.6, 'original.mp3', 'old.mp3', 'audio/mpeg', 'transcript-1.txt', 'old.txt', 3,"
        " '[\"Alice\", \"Bob\"]', 0, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')"
    )
    db.execute("INSERT INTO manual_turns VALUES ('old', 1, 5.0, 9.0, 'Bob', 'Thanks.')")
    db.commit()
    db.close()
    return data_dir


def test_a_database_from_before_migrations_is_migrated_at_start_up(old_data_dir, tmp_path):
    app = create_app({"TESTING": True, "DATA_DIR": old_data_dir})

    listed = app.test_client().get("/api/episodes").json["episodes"]
    assert [(e["id"], e["title"], e["status"], e["speakers"]) for e in listed] == [
        ("old", "An old episode", "done", ["Alice", "Bob"])
    ]
    migrated = storage.connect(old_data_dir / "podalign.db")
    assert schema_version(migrated) == len(MIGRATIONS)
    assert storage.manual_times(migrated, "old") == [
        storage.ManualTime(1, 5.0, 9.0, "Bob", "Thanks.")
    ]
    assert shape(migrated) == shape(fresh_database(tmp_path / "fresh.db"))


def test_migrating_an_up_to_date_database_changes_nothing(tmp_path):
    db = fresh_database(tmp_path / "podalign.db")
    before = shape(db)

    migrate(db)

    assert schema_version(db) == len(MIGRATIONS)
    assert shape(db) == before


def test_an_appended_migration_runs_once_on_an_existing_database(old_data_dir, monkeypatch) -> None:
    db = storage.connect(old_data_dir / "podalign.db")
    migrate(db)

    def add_notes(db: sqlite3.Connection) -> None:
        db.execute("ALTER TABLE episodes ADD COLUMN notes TEXT NOT NULL DEFAULT ''")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, add_notes])
    migrate(db)
    migrate(db)

    assert schema_version(db) == len(MIGRATIONS) + 1
    assert db.execute("SELECT notes FROM episodes WHERE id = 'old'").fetchone()[0] == ""


def test_a_failing_migration_changes_nothing(tmp_path, monkeypatch):
    db = fresh_database(tmp_path / "podalign.db")
    before = shape(db)

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE chapters (episode_id TEXT)")
        db.execute("INSERT INTO no_such_table VALUES (1)")

    monkeypatch.setattr(migrations, "MIGRATIONS", [*MIGRATIONS, half_done])
    with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
        migrate(db)

    assert schema_version(db) == len(MIGRATIONS)
    assert shape(db) == before
    assert not db.in_transaction


def test_a_database_from_a_newer_podalign_is_refused(tmp_path):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db = fresh_database(data_dir / "podalign.db")
    db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    db.close()

    with pytest.raises(SchemaTooNew, match="upgrade podalign"):
        create_app({"TESTING": True, "DATA_DIR": data_dir})
