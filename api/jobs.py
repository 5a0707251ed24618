"""Alignment jobs on a huey queue: SQLite in the data dir, or Redis when configured.

The database, not the queue, is the truth about a job. Each enqueue carries
the episode's revision; a worker must claim that revision (queued -> running)
before working and may only store its result while the revision is current.
That makes duplicate messages harmless, lets a re-alignment or a delete
supersede a running job, and lets jobs orphaned by a dead process be found
and re-queued (once) or failed, instead of staying "running" forever.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import TaskWrapper
from huey.consumer import Consumer
from huey.signals import SIGNAL_INTERRUPTED
from podalign.aligner import AlignmentError, align_transcript
from podalign.api import files, search_index, storage
from podalign.api.manual import apply_manual_times
from podalign.api.peaks import ensure_peaks
from podalign.api.storage import Episode, EpisodeStatus
from podalign.audio import AudioError, DecodedStore, decode_and_make_playable, ffmpeg
from podalign.transcripts import TranscriptError, parse_transcript, untimed_turn_count
from podalign.transcripts.model import Transcript

log = logging.getLogger(__name__)

# A job interrupted by a crash runs once more; a second crash fails it.
MAX_ATTEMPTS = 2
# A running job writes its progress at most this often, and at least every
# HEARTBEAT_SECONDS; a job silent for LEASE_SECONDS is taken for dead.
PROGRESS_SECONDS = 1.0
HEARTBEAT_SECONDS = 10.0
LEASE_SECONDS = 90.0
# A queued episode with no message on the queue this long after its last change is lost.
LOST_AFTER_SECONDS = 120.0
# A job with no progress (and no ffmpeg output) this long is failed and stopped.
DEFAULT_STALL_SECONDS = 300
# How often recovery runs, on a thread of its own.
RECOVERY_SECONDS = 60.0
# Share of the progress bar for decoding, making the playable copy and the peaks.
PREPARE_SHARE = 0.03

CRASHED_TWICE = (
    "The alignment was interrupted twice because the server or worker stopped while it ran."
    " Retry it with POST /api/episodes/{id}/retry."
)
UNEXPECTED = "Unexpected error while aligning; the details are in the server log."
STALLED = (
    "The alignment made no progress for {seconds:g} seconds (while {stage}) and was stopped."
    " Retry it with POST /api/episodes/{id}/retry."
)


@dataclass
class Jobs:
    huey: Huey
    align: TaskWrapper


class Superseded(Exception):
    """The episode was deleted, re-queued or re-aligned while this job ran."""


def init_app(app: Flask) -> None:
    """Build the app's queue and register its tasks on it."""
    huey = make_huey(app.config)

    def run(episode_id: str, revision: int) -> None:
        run_alignment(app, episode_id, revision)

    align = register_align(huey, run)

    @huey.signal(SIGNAL_INTERRUPTED)
    def interrupted(_signal: str, task) -> None:
        if task.name == "align_episode":
            ffmpeg.stop(job_owner(*task.args))
            hand_back(app, *task.args)

    app.extensions["podalign.jobs"] = Jobs(huey, align)


def register_align(huey: Huey, run: Callable[[str, int], None]) -> TaskWrapper:
    """The align task, registered here whoever runs it: huey names a task after the module
    that defines it, and the server and remote workers must agree on that name."""

    @huey.task(name="align_episode")
    def align(episode_id: str, revision: int) -> None:
        run(episode_id, revision)

    return align


def make_huey(config: dict) -> Huey:
    if config["REDIS_URL"]:
        try:
            import redis  # noqa: F401
        except ImportError:
            raise RuntimeError(
                "PODALIGN_REDIS_URL is set but the redis package is missing:"
                " pip install 'podalign[redis]'"
            ) from None
        return RedisHuey("podalign", url=config["REDIS_URL"], results=False)
    return SqliteHuey("podalign", filename=str(Path(config["DATA_DIR"]) / "jobs.db"), results=False)


def jobs_of(app: Flask) -> Jobs:
    return app.extensions["podalign.jobs"]


def enqueue(app: Flask, episode_id: str, revision: int) -> None:
    jobs_of(app).align(episode_id, revision)


def make_consumer(app: Flask, workers: int) -> Consumer:
    """Worker threads for this process; run() blocks and handles SIGINT/SIGTERM."""
    return jobs_of(app).huey.create_consumer(workers=workers, worker_type="thread")


def worker_id() -> str:
    """host:pid:token; the token tells this process from a later one reusing its pid."""
    token = _TOKENS.setdefault(os.getpid(), secrets.token_hex(4))
    return f"{socket.gethostname()}:{os.getpid()}:{token}"


_TOKENS: dict[int, str] = {}


def job_owner(episode_id: str, revision: int) -> str:
    """The name a job's ffmpeg runs are kept under, so they can be stopped with it."""
    return f"{episode_id}:{revision}"


def run_alignment(app: Flask, episode_id: str, revision: int) -> None:
    """The align task: claim the episode, align it, store the result or the error."""
    with app.app_context():
        db = storage.get_db()
        episode = storage.claim(db, episode_id, revision, worker_id(), time.time())
        if episode is None:
            log.info("Skipping %s revision %s: deleted, superseded or taken", episode_id, revision)
            return
        log.info("Aligning %s (attempt %s)", episode_id, episode.attempts)
        reporter = ProgressReporter(app, episode_id, revision)
        reporter.start()
        try:
            # The reporter stops before any outcome is written, so it cannot overwrite one.
            try:
                with ffmpeg.owned_by(job_owner(episode_id, revision)):
                    result = _align(app, db, episode, reporter)
            finally:
                reporter.stop()
        except Superseded:
            log.info("Dropped %s revision %s: superseded while running", episode_id, revision)
            return
        except (AlignmentError, AudioError, TranscriptError) as error:
            _fail(db, episode, str(error))
            return
        except Exception:
            if _is_current(db, episode):
                log.exception("Aligning %s failed", episode_id)
                _fail(db, episode, UNEXPECTED)
            return
        store_result(app, db, episode, result)


def _align(
    app: Flask, db: sqlite3.Connection, episode: Episode, reporter: ProgressReporter
) -> Transcript:
    folder = files.episode_dir(app.config["DATA_DIR"], episode.id)
    audio = folder / episode.audio_file
    cache_dir = Path(app.config["CACHE_DIR"])
    store = DecodedStore(cache_dir)
    reporter.update("decoding", 0.0)
    # One decoding pass feeds the playable copy, the peaks and the aligner.
    if episode.playable_file is None:
        _, playable = decode_and_make_playable(
            store,
            audio,
            folder,
            expected_seconds=episode.duration,
            progress=lambda f: reporter.update("decoding", f),
        )
        if playable is not None:
            storage.set_playable_file(
                db, episode.id, episode.revision, str(playable.relative_to(folder))
            )
    ensure_peaks(folder, audio, episode.duration, store)
    reporter.update("decoding", 1.0)
    transcript = parse_transcript(
        (folder / episode.transcript_file).read_bytes(), episode.transcript_filename
    )
    return align_transcript(
        audio,
        transcript,
        model=app.config["MODEL"],
        cache_dir=cache_dir,
        progress=reporter.aligner_progress,
    )


def store_result(app: Flask, db: sqlite3.Connection, episode: Episode, result: Transcript) -> bool:
    """Write a job's result and mark it done; False (and nothing written) if superseded."""
    folder = files.episode_dir(app.config["DATA_DIR"], episode.id)
    # Inside the write lock, so a re-alignment cannot slip in between the
    # check and the writes and have its transcript replaced by this result.
    with storage.transaction(db):
        if not _is_current(db, episode):
            log.info("Dropped the result of %s: superseded while running", episode.id)
            return False
        files.write_json(folder / "result.json", result.to_dict())
        storage.finish(
            db,
            episode.id,
            episode.revision,
            turn_count=len(result.turns),
            speakers=result.speakers,
            untimed_turns=untimed_turn_count(result),
        )
        apply_manual_times(result, storage.manual_times(db, episode.id))
        search_index.index_episode(db, episode.id, result)
    log.info("Aligned %s", episode.id)
    return True


def _fail(db: sqlite3.Connection, episode: Episode, message: str) -> None:
    storage.fail(db, episode.id, episode.revision, message)
    log.info("Alignment of %s failed: %s", episode.id, message)


def _is_current(db: sqlite3.Connection, episode: Episode) -> bool:
    current = storage.get_episode(db, episode.id)
    return current is not None and current.revision == episode.revision


class ProgressReporter:
    """Writes a running job's stage, progress and heartbeat from a thread of its own.

    The aligner's callback only records the latest values, so it costs nothing
    and may be called from any thread; the writes are throttled to about one a
    second. When a write finds the revision gone, the next callback raises
    Superseded, which stops the aligner early, and the job's ffmpeg runs are
    killed. A job with neither progress nor ffmpeg output for the stall limit
    is failed and stopped the same way, so one stuck job cannot hold a worker.
    """

    def __init__(self, app: Flask, episode_id: str, revision: int) -> None:
        self.path = storage.database_path(app.config["DATA_DIR"])
        self.episode_id = episode_id
        self.revision = revision
        self.owner = job_owner(episode_id, revision)
        self.stall_seconds = float(app.config["JOB_STALL_SECONDS"])
        self.state = ("starting", 0.0)
        self.changed_at = time.monotonic()
        self.superseded = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"progress-{episode_id}")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def update(self, stage: str, fraction: float) -> None:
        """Record progress through the job's own preparation (fraction of that stage)."""
        self._record(stage, PREPARE_SHARE * fraction)

    def aligner_progress(self, stage: str, fraction: float) -> None:
        """The aligner's callback: fraction is its overall progress, 0..1."""
        self._record(stage, PREPARE_SHARE + (1 - PREPARE_SHARE) * fraction)

    def _record(self, stage: str, overall: float) -> None:
        if self.superseded.is_set():
            raise Superseded
        if (stage, overall) != self.state:
            self.changed_at = time.monotonic()
        self.state = (stage, overall)

    def _run(self) -> None:
        db = storage.connect(self.path)
        written, written_at = None, 0.0
        try:
            while not self._stopped.wait(PROGRESS_SECONDS):
                if self._stalled():
                    self._give_up(db)
                    return
                state, now = self.state, time.time()
                if state == written and now - written_at < HEARTBEAT_SECONDS:
                    continue
                stage, overall = state
                if not storage.report_progress(
                    db, self.episode_id, self.revision, stage, min(99, int(overall * 100)), now
                ):
                    self.superseded.set()
                    ffmpeg.stop(self.owner)
                    return
                written, written_at = state, now
        finally:
            db.close()

    def _stalled(self) -> bool:
        alive = max(self.changed_at, ffmpeg.last_activity(self.owner) or 0.0)
        return time.monotonic() - alive > self.stall_seconds

    def _give_up(self, db: sqlite3.Connection) -> None:
        """Fail the stalled job under a new revision (its own late writes then change
        nothing) and stop what it runs."""
        message = STALLED.format(
            seconds=self.stall_seconds, stage=self.state[0], id=self.episode_id
        )
        with storage.transaction(db):
            episode = storage.get_episode(db, self.episode_id)
            if episode is not None and episode.revision == self.revision:
                storage.abandon(db, episode, message)
        log.warning("Stopped %s: %s", self.episode_id, message)
        self.superseded.set()
        ffmpeg.stop(self.owner)


def start_recovery(app: Flask, every: float = RECOVERY_SECONDS) -> threading.Event:
    """Run recover_orphans every ``every`` seconds on a thread of its own, so busy or
    stuck workers never delay it; set the returned event to stop it."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                recover_orphans(app)
            except Exception:
                log.exception("Recovering orphaned jobs failed; trying again in %s s", every)

    threading.Thread(target=loop, name="recovery", daemon=True).start()
    return stop


def recover_orphans(app: Flask) -> int:
    """Re-queue (or, after MAX_ATTEMPTS, fail) running jobs whose worker is gone.

    Runs when a server or worker starts and then every minute (start_recovery).
    Returns how many jobs it re-queued.
    """
    now = time.time()
    requeue = []
    with app.app_context():
        db = storage.get_db()
        with storage.transaction(db):
            for episode in storage.running_episodes(db):
                if not is_orphan(episode.worker, episode.heartbeat_at, now):
                    continue
                if episode.attempts >= MAX_ATTEMPTS:
                    log.warning("Failing %s: interrupted %s times", episode.id, episode.attempts)
                    storage.abandon(db, episode, CRASHED_TWICE.format(id=episode.id))
                else:
                    log.warning("Re-queueing %s: its worker %s is gone", episode.id, episode.worker)
                    revision = storage.requeue(db, episode, attempts=episode.attempts)
                    requeue.append((episode.id, revision))
        requeue += _lost_from_the_queue(app, db)
    for episode_id, revision in requeue:
        enqueue(app, episode_id, revision)
    return len(requeue)


def _lost_from_the_queue(app: Flask, db: sqlite3.Connection) -> list[tuple[str, int]]:
    """Queued episodes with no message on the queue: the process died between writing the
    row and queueing it, or a consumer died holding the message before claiming it."""
    queued = storage.queued_episodes(db, older_than_seconds=LOST_AFTER_SECONDS)
    if not queued:
        return []
    pending = jobs_of(app).huey.pending()
    waiting = {tuple(task.args) for task in pending if task.name == "align_episode"}
    lost = [(e.id, e.revision) for e in queued if (e.id, e.revision) not in waiting]
    for episode_id, _ in lost:
        log.warning("Re-queueing %s: it was queued but no job was waiting for it", episode_id)
    return lost


def hand_back(app: Flask, episode_id: str, revision: int) -> bool:
    """Re-queue a job a worker stopped on shutdown; False if it was no longer running.
    The attempt counts: a job that keeps a worker until it is stopped must not come back
    for ever."""
    with app.app_context():
        db = storage.get_db()
        with storage.transaction(db):
            episode = storage.get_episode(db, episode_id)
            if (
                episode is None
                or episode.revision != revision
                or episode.status is not EpisodeStatus.RUNNING
            ):
                return False
            next_revision = storage.requeue(db, episode, attempts=episode.attempts)
    log.info("Handed %s back to the queue on shutdown", episode_id)
    enqueue(app, episode_id, next_revision)
    return True


def is_orphan(worker: str | None, heartbeat_at: float | None, now: float) -> bool:
    """Whether a running job's worker is dead: silent past its lease, or a dead local process."""
    if worker is None or heartbeat_at is None or now - heartbeat_at > LEASE_SECONDS:
        return True
    host, pid, _token = worker.rsplit(":", 2)
    if host != socket.gethostname():
        return False
    if int(pid) == os.getpid():
        return worker != worker_id()
    return not _process_alive(int(pid))


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
