"""An episode's files under ``<data>/episodes/<id>/``, each written atomically.

A crash (even SIGKILL) leaves either the old file or the new one, never half
of one: every write goes to a temporary name in the same directory first and
is then renamed over the target.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

CHUNK = 1024 * 1024


def episodes_dir(data_dir: str | Path) -> Path:
    return Path(data_dir) / "episodes"


def episode_dir(data_dir: str | Path, episode_id: str) -> Path:
    return episodes_dir(data_dir) / episode_id


def staging_dir(data_dir: str | Path) -> Path:
    """A fresh directory for an upload being checked; renamed into place if it is accepted."""
    return Path(tempfile.mkdtemp(prefix="upload-", dir=Path(data_dir) / "tmp"))


def remove_stale_uploads(data_dir: str | Path, max_age: float = 24 * 3600) -> None:
    """Delete staging dirs left by uploads a crash cut short (old enough to be surely dead)."""
    cutoff = time.time() - max_age
    for path in (Path(data_dir) / "tmp").glob("upload-*"):
        if path.stat().st_mtime < cutoff:
            remove_tree(path)


def remove_orphan_episode_dirs(
    data_dir: str | Path, known_ids: set[str], max_age: float = 600
) -> list[str]:
    """Delete episode folders with no database row, left by a crash between moving an
    accepted upload into place and writing its row; returns their ids. Only ones older
    than ``max_age``: a young folder may be an upload whose row is being written right
    now, waiting up to 30 s for SQLite's write lock."""
    cutoff = time.time() - max_age
    removed = []
    for path in episodes_dir(data_dir).glob("*"):
        if path.is_dir() and path.name not in known_ids and path.stat().st_mtime < cutoff:
            remove_tree(path)
            removed.append(path.name)
    return removed


def save_stream(stream: IO[bytes], path: Path) -> int:
    """Copy an upload to ``path`` in chunks, so large audio never sits in memory."""
    with _atomic(path) as out:
        shutil.copyfileobj(stream, out, CHUNK)
        return out.tell()


def write_bytes(path: Path, data: bytes) -> None:
    with _atomic(path) as out:
        out.write(data)


def write_json(path: Path, value: Any) -> None:
    write_bytes(path, json.dumps(value, ensure_ascii=False).encode("utf-8"))


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


@contextmanager
def _atomic(path: Path) -> Iterator[IO[bytes]]:
    """Yield a temporary file beside ``path``; on success fsync it and rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
