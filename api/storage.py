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
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from flask import Flask, current_app, g
from podalign.api.migrations import migrate


class EpisodeStatus(StrEnum):
    """Where an episode's alignment job is; the values are what the API and the database hold."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class Episode:
    """One row of the episodes table."""

    id: str
    title: str
    status: EpisodeStatus
    # 0-100 while running; 100 once done.
    progress: int
    stage: str | None
    error: str | None
    duration: float
    # File names inside the episode's folder; *_filename are the names as uploaded.
    audio_file: str
    audio_filename: str | None
    audio_mimetype: str
    playable_file: str | None
    transcript_file: str
    transcript_filename: str | None
    turn_count: int
    speakers: tuple[str, ...]
    # Set when a job finishes; None until then and after a new transcript.
    untimed_turns: int | None
    # Bumped by every re-queue; a job may only write while its revision is current.
    revision: int
    # The version of the timed transcript clients see and edit: bumped by every edit,
    # undo and redo, every new transcript and every finished alignment.
    transcript_revision: int
    # Runs started since it was last queued by a person, counting ones a crash interrupted.
    attempts: int
    worker: str | None
    heartbeat_at: float | None
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Episode:
        values = dict(row)
        values["status"] = EpisodeStatus(values["status"])
        values["speakers"] = tuple(json.loads(values["speakers"]))
        return cls(**values)


_COLUMNS = ", ".join(field.name for field in fields(Episode))


@dataclass(frozen=True)
class ManualTime:
    """A turn's times set by hand; speaker and text let it follow an edited transcript."""

    turn_index: int
    start: float
    end: float
    speaker: str | None
    text: str


def init_app(app: Flask) -> None:
    """Bring the schema up to date and close each request's connection when it ends."""
    db = connect(database_path(app.config["DATA_DIR"]))
    try:
        db.execute("PRAGMA journal_mode=WAL")
        migrate(db)
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


def create_episode(
    db: sqlite3.Connection,
    *,
    episode_id: str,
    title: str,
    duration: float,
    audio_file: str,
    audio_filename: str | None,
    audio_mimetype: str,
    transcript_file: str,
    transcript_filename: str | None,
    turn_count: int,
    speakers: list[str],
) -> None:
    """Add a new episode, queued at revision 1."""
    created = now_iso()
    db.execute(
        "INSERT INTO episodes (id, title, status, duration, audio_file, audio_filename,"
        " audio_mimetype, transcript_file, transcript_filename, turn_count, speakers,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            episode_id,
            title,
            EpisodeStatus.QUEUED.value,
            duration,
            audio_file,
            audio_filename,
            audio_mimetype,
            transcript_file,
            transcript_filename,
            turn_count,
            json.dumps(speakers),
            created,
            created,
        ),
    )


def get_episode(db: sqlite3.Connection, episode_id: str) -> Episode | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM episodes WHERE id = ?", (episode_id,)).fetchone()
    return None if row is None else Episode.from_row(row)


def list_episodes(db: sqlite3.Connection, limit: int, offset: int) -> tuple[list[Episode], int]:
    """A page of episodes, newest first, and the total count."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM episodes ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?",
        (limit, offset),
    ).fetchall()
    total = db.execute("SELECT COUNT(*) FROM episodes").fetchone()[0]
    return [Episode.from_row(row) for row in rows], total


def audio_files(db: sqlite3.Connection) -> dict[str, str]:
    """Each episode's id and the name of its uploaded audio file in its folder."""
    return dict(db.execute("SELECT id, audio_file FROM episodes").fetchall())


def episode_ids(db: sqlite3.Connection) -> set[str]:
    return {row[0] for row in db.execute("SELECT id FROM episodes")}


def running_episodes(db: sqlite3.Connection) -> list[Episode]:
    return _select(db, "status = ?", (EpisodeStatus.RUNNING.value,))


def queued_episodes(db: sqlite3.Connection, older_than_seconds: float) -> list[Episode]:
    """Episodes queued and untouched for longer than ``older_than_seconds``."""
    cutoff = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
    return _select(db, "status = ? AND updated_at < ?", (EpisodeStatus.QUEUED.value, _iso(cutoff)))


def delete_episode(db: sqlite3.Connection, episode_id: str) -> bool:
    return db.execute("DELETE FROM episodes WHERE id = ?", (episode_id,)).rowcount == 1


# The state changes. Those that take a revision change nothing (and return False)
# when the episode has moved on to another revision or been deleted, so a
# superseded job can tell it lost.


def claim(
    db: sqlite3.Connection, episode_id: str, revision: int, worker: str, now: float
) -> Episode | None:
    """Mark a queued episode running for this worker; None if someone else has it.

    Duplicate or stale queue messages are harmless because only one claim of a
    revision can succeed.
    """
    with transaction(db):
        changed = _update(
            db,
            episode_id,
            revision,
            "status = ?, stage = 'starting', progress = 0, error = NULL,"
            " attempts = attempts + 1, worker = ?, heartbeat_at = ?",
            (EpisodeStatus.RUNNING.value, worker, now),
            only_if_status=EpisodeStatus.QUEUED,
        )
        return get_episode(db, episode_id) if changed else None


def report_progress(
    db: sqlite3.Connection, episode_id: str, revision: int, stage: str, progress: int, now: float
) -> bool:
    """A running job's stage and progress (0-100), and its heartbeat."""
    return _update(
        db,
        episode_id,
        revision,
        "stage = ?, progress = ?, heartbeat_at = ?",
        (stage, progress, now),
    )


def set_playable_file(
    db: sqlite3.Connection, episode_id: str, revision: int, playable_file: str
) -> bool:
    """The browser-playable copy of the audio, once a job has made it."""
    return _update(db, episode_id, revision, "playable_file = ?", (playable_file,))


def finish(
    db: sqlite3.Connection,
    episode_id: str,
    revision: int,
    *,
    turn_count: int,
    speakers: list[str],
    untimed_turns: int,
) -> bool:
    """Mark the job done, with the figures of its aligned transcript.

    The result is a new transcript revision, and the edit history of the one it
    replaces can no longer be undone.
    """
    done = _update(
        db,
        episode_id,
        revision,
        "status = ?, progress = 100, stage = NULL, error = NULL, worker = NULL,"
        " heartbeat_at = NULL, turn_count = ?, speakers = ?, untimed_turns = ?,"
        " transcript_revision = transcript_revision + 1",
        (EpisodeStatus.DONE.value, turn_count, json.dumps(speakers), untimed_turns),
    )
    if done:
        clear_history(db, episode_id)
    return done


def fail(db: sqlite3.Connection, episode_id: str, revision: int, message: str) -> bool:
    """Mark the job failed with a message for people."""
    return _update(
        db,
        episode_id,
        revision,
        "status = ?, error = ?, worker = NULL, heartbeat_at = NULL",
        (EpisodeStatus.FAILED.value, message),
    )


def requeue(db: sqlite3.Connection, episode: Episode, *, attempts: int) -> int:
    """Queue the episode afresh under the next revision, which supersedes any job
    holding the current one; returns that revision.

    Call it inside the transaction that read ``episode``. ``attempts`` is how
    many interrupted runs count against the next one.
    """
    revision = episode.revision + 1
    _update(
        db,
        episode.id,
        episode.revision,
        "revision = ?, status = ?, progress = 0, stage = NULL, error = NULL,"
        " attempts = ?, worker = NULL, heartbeat_at = NULL",
        (revision, EpisodeStatus.QUEUED.value, attempts),
    )
    return revision


def replace_transcript(
    db: sqlite3.Connection,
    episode: Episode,
    *,
    transcript_file: str,
    transcript_filename: str | None,
    turn_count: int,
    speakers: list[str],
) -> int:
    """Queue the episode to be aligned to a new transcript; returns the new revision.

    Call it inside the transaction that read ``episode``.
    """
    revision = requeue(db, episode, attempts=0)
    _update(
        db,
        episode.id,
        revision,
        "transcript_file = ?, transcript_filename = ?, turn_count = ?, speakers = ?,"
        " untimed_turns = NULL, transcript_revision = transcript_revision + 1",
        (transcript_file, transcript_filename, turn_count, json.dumps(speakers)),
    )
    clear_history(db, episode.id)
    return revision


def record_edit(
    db: sqlite3.Connection,
    episode: Episode,
    *,
    transcript_revision: int,
    turn_count: int,
    speakers: list[str],
    untimed_turns: int | None,
) -> None:
    """The figures of an edited transcript at its new revision.

    Call it inside the transaction that read ``episode``.
    """
    _update(
        db,
        episode.id,
        episode.revision,
        "transcript_revision = ?, turn_count = ?, speakers = ?, untimed_turns = ?",
        (transcript_revision, turn_count, json.dumps(speakers), untimed_turns),
    )


def bump_transcript_revision(db: sqlite3.Connection, episode: Episode) -> int:
    """A change beside the text (the chapters) is a new transcript revision too; returns it.

    Call it inside the transaction that read ``episode``.
    """
    revision = episode.transcript_revision + 1
    _update(db, episode.id, episode.revision, "transcript_revision = ?", (revision,))
    return revision


def abandon(db: sqlite3.Connection, episode: Episode, message: str) -> None:
    """Fail a job whose worker is gone, under the next revision so that worker,
    should it still be alive, can no longer write. Call it inside the
    transaction that read ``episode``."""
    fail(db, episode.id, requeue(db, episode, attempts=episode.attempts), message)


def _update(
    db: sqlite3.Connection,
    episode_id: str,
    revision: int,
    sets: str,
    values: tuple[object, ...],
    only_if_status: EpisodeStatus | None = None,
) -> bool:
    where = "id = ? AND revision = ?"
    keys: tuple[object, ...] = (episode_id, revision)
    if only_if_status is not None:
        where += " AND status = ?"
        keys += (only_if_status.value,)
    cursor = db.execute(
        f"UPDATE episodes SET {sets}, updated_at = ? WHERE {where}",
        (*values, now_iso(), *keys),
    )
    return cursor.rowcount == 1


def _select(db: sqlite3.Connection, where: str, values: tuple[object, ...]) -> list[Episode]:
    rows = db.execute(f"SELECT {_COLUMNS} FROM episodes WHERE {where}", values).fetchall()
    return [Episode.from_row(row) for row in rows]


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


@dataclass(frozen=True)
class StoredChange:
    """One edit in an episode's history; ``revision`` is the one it produced."""

    seq: int
    revision: int
    label: str
    change: dict
    undone: bool
    created_at: str


# Older changes are forgotten: a replace across a long episode stores every turn it touched.
MAX_HISTORY = 200


def add_change(
    db: sqlite3.Connection, episode_id: str, revision: int, label: str, change: dict
) -> StoredChange:
    """Record a new change; the changes undone before it can no longer be redone."""
    db.execute("DELETE FROM transcript_changes WHERE episode_id = ? AND undone = 1", (episode_id,))
    seq = db.execute(
        "SELECT COALESCE(MAX(seq), 0) + 1 FROM transcript_changes WHERE episode_id = ?",
        (episode_id,),
    ).fetchone()[0]
    stored = StoredChange(seq, revision, label, change, False, now_iso())
    db.execute(
        "INSERT INTO transcript_changes"
        " (episode_id, seq, revision, label, change, undone, created_at)"
        " VALUES (?, ?, ?, ?, ?, 0, ?)",
        (episode_id, seq, revision, label, json.dumps(change), stored.created_at),
    )
    db.execute(
        "DELETE FROM transcript_changes WHERE episode_id = ? AND seq <= ?",
        (episode_id, seq - MAX_HISTORY),
    )
    return stored


def change_history(db: sqlite3.Connection, episode_id: str) -> list[StoredChange]:
    """The episode's changes, oldest first, without their contents."""
    rows = db.execute(
        "SELECT seq, revision, label, undone, created_at FROM transcript_changes"
        " WHERE episode_id = ? ORDER BY seq",
        (episode_id,),
    ).fetchall()
    return [StoredChange(r[0], r[1], r[2], {}, bool(r[3]), r[4]) for r in rows]


def change_to_undo(db: sqlite3.Connection, episode_id: str) -> StoredChange | None:
    return _one_change(
        db, "WHERE episode_id = ? AND undone = 0 ORDER BY seq DESC LIMIT 1", episode_id
    )


def change_to_redo(db: sqlite3.Connection, episode_id: str) -> StoredChange | None:
    return _one_change(db, "WHERE episode_id = ? AND undone = 1 ORDER BY seq LIMIT 1", episode_id)


def mark_change(
    db: sqlite3.Connection, episode_id: str, seq: int, *, undone: bool, revision: int
) -> None:
    db.execute(
        "UPDATE transcript_changes SET undone = ?, revision = ? WHERE episode_id = ? AND seq = ?",
        (int(undone), revision, episode_id, seq),
    )


def clear_history(db: sqlite3.Connection, episode_id: str) -> None:
    """Forget the changes: they describe a transcript that a new alignment replaced."""
    db.execute("DELETE FROM transcript_changes WHERE episode_id = ?", (episode_id,))


def _one_change(db: sqlite3.Connection, where: str, episode_id: str) -> StoredChange | None:
    row = db.execute(
        "SELECT seq, revision, label, change, undone, created_at FROM transcript_changes " + where,
        (episode_id,),
    ).fetchone()
    if row is None:
        return None
    return StoredChange(row[0], row[1], row[2], json.loads(row[3]), bool(row[4]), row[5])
