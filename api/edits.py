"""Fixing an episode's transcript: turns, speakers, find and replace, undo and redo.

Every write names the transcript revision it was made on, and is refused with
409 and the current revision when the episode has moved on since, so two tabs
never overwrite each other. Each change bumps the revision and goes into the
episode's history, from where it can be undone and redone. Text edits re-time
only the turns they touch, from the recognition cached by the alignment.
"""

from __future__ import annotations

import copy
import math
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, request
from podalign.aligner.retime import cached_recognition, retime_turn
from podalign.api import files, storage
from podalign.api.auth import require_token
from podalign.api.errors import conflict
from podalign.api.manual import apply_manual_times
from podalign.api.serialize import load_transcript
from podalign.api.storage import (
    Episode,
    EpisodeStatus,
    ManualTime,
    StoredChange,
    get_db,
    transaction,
)
from podalign.transcripts import untimed_turn_count
from podalign.transcripts.edits import (
    Change,
    EditError,
    Splice,
    apply_change,
    delete_turn,
    edit_turn,
    insert_turn,
    merge_turns,
    rename_speaker,
    replace_text,
    split_turn,
)
from podalign.transcripts.model import Transcript, TurnStatus

bp = Blueprint("edits", __name__, url_prefix="/api/episodes/<episode_id>")

MAX_TEXT = 20_000
MAX_SPEAKER = 200
MAX_FIND = 1_000


@dataclass
class Edited:
    """An episode's transcript as it is being changed, inside the write lock."""

    db: sqlite3.Connection
    episode: Episode
    transcript: Transcript
    revision: int


@bp.patch("/turns/<int:index>")
@require_token
def patch_turn(episode_id: str, index: int) -> dict:
    """Change a turn's text, speaker or times (any of them); answers the re-timed turn."""
    body = _body()
    fields = [name for name in ("text", "speaker", "start", "end") if name in body]
    if not fields:
        abort(
            400,
            'Send what to change, like {"revision": 3, "text": "..."}, {"speaker": "..."}'
            ' or {"start": 12.5, "end": 17.0}.',
        )
    if "end" in body and "start" not in body:
        abort(400, 'Send the turn\'s "start" with its "end".')
    text = _string(body, "text", MAX_TEXT) if "text" in body else None
    speaker = _speaker(body, "speaker") if "speaker" in body else None
    start = _seconds(body, "start") if "start" in body else None
    end = _seconds(body, "end") if body.get("end") is not None else None
    text_edit = "text" in body or "speaker" in body

    with _editing(episode_id, body, aligned=text_edit) as edited:
        transcript = edited.transcript
        turn = _turn(transcript, index)
        change = Change("No change", [])
        if text_edit:
            given_speaker = speaker if "speaker" in body else turn.speaker
            change = _edit(lambda: edit_turn(transcript, index, text or turn.text, given_speaker))
        if start is not None:
            change = _with_times(edited, index, change, start, end)
        _commit(edited, change)
    answered = transcript.turns[index]
    return {
        **answered.to_dict(),
        "manual": answered.status == TurnStatus.MANUAL,
        "revision": edited.revision,
    }


@bp.post("/turns/<int:index>/split")
@require_token
def split(episode_id: str, index: int) -> dict:
    body = _body()
    at_word = _whole(body, "at_word")
    with _editing(episode_id, body) as edited:
        turn = _turn(edited.transcript, index)
        speaker = _speaker(body, "speaker") if "speaker" in body else turn.speaker
        change = _edit(lambda: split_turn(edited.transcript, index, at_word, speaker))
        stored = _commit(edited, change)
    return _answer(edited, change, stored)


@bp.post("/turns/<int:index>/merge")
@require_token
def merge(episode_id: str, index: int) -> dict:
    body = _body()
    with _editing(episode_id, body) as edited:
        _turn(edited.transcript, index)
        change = _edit(lambda: merge_turns(edited.transcript, index))
        stored = _commit(edited, change)
    return _answer(edited, change, stored)


@bp.post("/turns")
@require_token
def insert(episode_id: str) -> tuple[dict, int]:
    body = _body()
    after = _whole(body, "after", low=-1)
    text = _string(body, "text", MAX_TEXT)
    speaker = _speaker(body, "speaker")
    with _editing(episode_id, body) as edited:
        change = _edit(lambda: insert_turn(edited.transcript, after, speaker, text))
        stored = _commit(edited, change)
    return _answer(edited, change, stored), 201


@bp.delete("/turns/<int:index>")
@require_token
def delete(episode_id: str, index: int) -> dict:
    body = _body()
    with _editing(episode_id, body) as edited:
        _turn(edited.transcript, index)
        change = _edit(lambda: delete_turn(edited.transcript, index))
        stored = _commit(edited, change)
    return _answer(edited, change, stored)


@bp.post("/speakers/rename")
@require_token
def rename(episode_id: str) -> dict:
    body = _body()
    old = _string(body, "from", MAX_SPEAKER)
    new = _string(body, "to", MAX_SPEAKER)
    with _editing(episode_id, body) as edited:
        if old not in edited.transcript.speakers:
            abort(404, f"No line is spoken by {old!r}.")
        change = _edit(lambda: rename_speaker(edited.transcript, old, new))
        stored = _commit(edited, change)
    return _answer(edited, change, stored)


@bp.post("/replace")
@require_token
def find_and_replace(episode_id: str) -> dict:
    body = _body()
    find = _string(body, "find", MAX_FIND, strip=False)
    replacement = _string(body, "replace", MAX_FIND, strip=False, empty=True)
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        abort(400, f"dry_run must be true or false; got {dry_run!r}.")
    if dry_run:
        db = get_db()
        episode = _episode_or_404(db, episode_id)
        transcript, _manual = load_transcript(db, episode)
        found = _edit(lambda: replace_text(transcript, find, replacement))
        return {
            "dry_run": True,
            "revision": episode.transcript_revision,
            "occurrences": found.occurrences,
            "count": len(found.change.splices),
            "turns": [s.at for s in found.change.splices],
        }
    with _editing(episode_id, body) as edited:
        found = _edit(lambda: replace_text(edited.transcript, find, replacement))
        stored = _commit(edited, found.change)
    return {
        **_answer(edited, found.change, stored),
        "occurrences": found.occurrences,
        "count": len(found.change.splices),
    }


@bp.get("/revisions")
def revisions(episode_id: str) -> dict:
    db = get_db()
    episode = _episode_or_404(db, episode_id)
    history = storage.change_history(db, episode_id)
    done = [c for c in history if not c.undone]
    undone = [c for c in history if c.undone]
    return {
        "revision": episode.transcript_revision,
        "undo": done[-1].label if done else None,
        "redo": undone[0].label if undone else None,
        "changes": [_entry(c) for c in history],
    }


@bp.post("/undo")
@require_token
def undo(episode_id: str) -> dict:
    return _step(episode_id, undo=True)


@bp.post("/redo")
@require_token
def redo(episode_id: str) -> dict:
    return _step(episode_id, undo=False)


def _step(episode_id: str, *, undo: bool) -> dict:
    """Undo the latest change still made, or redo the earliest one undone."""
    body = _body()
    with _editing(episode_id, body, aligned=False) as edited:
        find = storage.change_to_undo if undo else storage.change_to_redo
        stored = find(edited.db, episode_id)
        if stored is None:
            conflict(f"There is nothing to {'undo' if undo else 'redo'}.", edited.revision)
        change = Change.from_dict(stored.change)
        if undo:
            change = change.inverse()
        _apply(edited, change)
        storage.mark_change(
            edited.db, episode_id, stored.seq, undone=undo, revision=edited.revision
        )
        _save(edited)
        entry = StoredChange(stored.seq, edited.revision, stored.label, {}, undo, stored.created_at)
    return _answer(edited, change, entry)


@contextmanager
def _editing(episode_id: str, body: dict, *, aligned: bool = True) -> Iterator[Edited]:
    """The episode's transcript in the write lock, at the revision the request was made on."""
    revision = body.get("revision")
    if isinstance(revision, bool) or not isinstance(revision, int):
        abort(
            400,
            'Send the revision you are editing, like {"revision": 3, ...};'
            " GET the episode for its current revision.",
        )
    db = get_db()
    with transaction(db):
        episode = _episode_or_404(db, episode_id)
        current = episode.transcript_revision
        if revision != current:
            conflict(
                f"The transcript changed since revision {revision}; it is now at revision"
                f" {current}. Reload it and make the change again.",
                current,
            )
        if aligned and episode.status != EpisodeStatus.DONE:
            conflict(
                f"The episode is {episode.status}; its text can be edited once it is aligned.",
                current,
            )
        transcript, _manual = load_transcript(db, episode)
        yield Edited(db, episode, transcript, current)


def _commit(edited: Edited, change: Change) -> StoredChange | None:
    """Make the change, re-time what it touched, record it and save; no-ops leave no trace."""
    if not change.splices:
        return None
    _apply(edited, change)
    episode = edited.episode
    if change.retime:
        folder = files.episode_dir(current_app.config["DATA_DIR"], episode.id)
        heard = cached_recognition(
            folder / episode.audio_file,
            current_app.config["MODEL"],
            Path(current_app.config["CACHE_DIR"]),
        )
        for index in change.retime:
            retime_turn(edited.transcript, index, heard)
    stored = storage.add_change(
        edited.db, episode.id, edited.revision, change.label, change.to_dict()
    )
    _save(edited)
    return stored


def _apply(edited: Edited, change: Change) -> None:
    try:
        apply_change(edited.transcript, change)
    except EditError as error:
        abort(409, str(error))
    edited.revision += 1


def _save(edited: Edited) -> None:
    """The database first, the file last: a failed write rolls the rows back."""
    transcript, episode = edited.transcript, edited.episode
    manual = [
        ManualTime(turn.index, turn.start, turn.end, turn.speaker, turn.text)
        for turn in transcript.turns
        if turn.status == TurnStatus.MANUAL and turn.start is not None and turn.end is not None
    ]
    storage.replace_manual_times(edited.db, episode.id, manual)
    aligned = episode.status == EpisodeStatus.DONE
    storage.record_edit(
        edited.db,
        episode,
        transcript_revision=edited.revision,
        turn_count=len(transcript.turns),
        speakers=transcript.speakers,
        untimed_turns=untimed_turn_count(transcript) if aligned else episode.untimed_turns,
    )
    folder = files.episode_dir(current_app.config["DATA_DIR"], episode.id)
    files.write_json(folder / "result.json", transcript.to_dict())


def _with_times(edited: Edited, index: int, change: Change, start: float, end: float | None):
    """The change, with the turn's times set by hand on top of it."""
    transcript, duration = edited.transcript, edited.episode.duration
    turn = transcript.turns[index]
    if end is None:
        end = _default_end(transcript, index, start, duration)
    if not 0 <= start < end <= duration:
        abort(
            400,
            f"Times must satisfy 0 <= start < end <= {duration:.3f} (the duration);"
            f" got start={start}, end={end}.",
        )
    if change.splices:
        new = change.splices[0].inserted[0]
        label = f"{change.label}; set its times"
    else:
        new = copy.deepcopy(turn)
        label = f"Set the times of line {index + 1}"
        change = Change(label, [Splice(index, [turn], [new])])
    apply_manual_times(Transcript([new]), [ManualTime(0, start, end, new.speaker, new.text)])
    new.index = index
    return Change(label, change.splices, change.retime)


def _default_end(transcript: Transcript, index: int, start: float, duration: float) -> float:
    """Where a turn ends when only its start is corrected: keep its length, else run
    to the next timed turn, else to the end of the audio."""
    turn = transcript.turns[index]
    if turn.start is not None and turn.end is not None and turn.end > turn.start:
        return min(duration, start + (turn.end - turn.start))
    later = [
        t.start for t in transcript.turns[index + 1 :] if t.start is not None and t.start > start
    ]
    return later[0] if later else duration


def _answer(edited: Edited, change: Change, stored: StoredChange | None) -> dict:
    """The new revision, the change as the history lists it, and the turns it put in."""
    turns = edited.transcript.turns
    return {
        "revision": edited.revision,
        "change": _entry(stored) if stored is not None else None,
        "turns": [
            {**turns[i].to_dict(), "manual": turns[i].status == TurnStatus.MANUAL}
            for i in change.touched()
        ],
    }


def _entry(stored: StoredChange) -> dict:
    return {
        "id": stored.seq,
        "label": stored.label,
        "at": stored.created_at,
        "undone": stored.undone,
        "revision": stored.revision,
    }


def _edit(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except EditError as error:
        abort(400, str(error))


def _episode_or_404(db: sqlite3.Connection, episode_id: str) -> Episode:
    episode = storage.get_episode(db, episode_id)
    if episode is None:
        abort(404, f"No episode {episode_id!r}.")
    return episode


def _turn(transcript: Transcript, index: int):
    if index >= len(transcript.turns):
        abort(404, f"No turn {index}: turns are numbered 0 to {len(transcript.turns) - 1}.")
    return transcript.turns[index]


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, 'Send a JSON object, like {"revision": 3, ...}.')
    return body


def _string(body: dict, name: str, limit: int, *, strip: bool = True, empty: bool = False) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        abort(400, f"{name} must be text; got {value!r}.")
    if len(value) > limit:
        abort(400, f"{name} is longer than {limit} characters.")
    if not empty and not (value.strip() if strip else value):
        abort(400, f"{name} is empty.")
    return value.strip() if strip else value


def _speaker(body: dict, name: str) -> str | None:
    """A speaker's name; null or "" for none."""
    if body.get(name) is None:
        return None
    return _string(body, name, MAX_SPEAKER, empty=True) or None


def _whole(body: dict, name: str, low: int = 0) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value < 1_000_000:
        abort(400, f"{name} must be a whole number from {low}; got {value!r}.")
    return value


def _seconds(body: dict, name: str) -> float:
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        abort(400, f"{name} must be a number of seconds; got {value!r}.")
    try:
        seconds = float(value)
    except OverflowError:
        abort(400, f"{name} must be a number of seconds; that one is too large.")
    if not math.isfinite(seconds):
        abort(400, f"{name} must be a number of seconds; got {value!r}.")
    return seconds
