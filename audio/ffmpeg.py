"""Every ffmpeg and ffprobe run goes through here: one local file in, a deadline, no leftovers.

An upload is hostile until proven otherwise. A playlist (HLS, concat, ...)
would make ffmpeg open other files or URLs and can wait forever on a live
stream, so every run reads its input through :func:`input_args`: the
``file`` protocol only, and only demuxers that read a single self-contained
file. Every process runs in a session of its own with a deadline; on the
deadline, or when its job is stopped, the whole process group is killed.

Decoding streams straight from an ffmpeg process rather than through pydub's
AudioSegment, which holds the whole file as PCM at its own rate: 1.9 GB for a
three-hour stereo episode.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import IO

from podalign.audio.errors import AudioError

# Demuxers that read one self-contained file (names as ffmpeg spells them; a
# demuxer called "mov,mp4,m4a,3gp,3g2,mj2" is allowed by any of its names).
# Not here on purpose: hls, concat, playlist and image-sequence demuxers, and
# anything else that opens further files or URLs named inside the input.
DEMUXERS = (
    "mp3",
    "aac",
    "ac3",
    "eac3",
    "ogg",
    "wav",
    "w64",
    "flac",
    "mov",
    "matroska",
    "asf",
    "aiff",
    "au",
    "caf",
    "wv",
    "ape",
    "amr",
    "avi",
    "mpegts",
)


READ_BYTES = 1 << 20


class Stopped(AudioError):
    """The run was stopped from outside: its job was deleted, stalled or shut down."""


class TimedOut(AudioError):
    """ffmpeg ran past its deadline."""


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to run: the one on PATH, else imageio-ffmpeg's."""
    path = shutil.which("ffmpeg")
    if path is None:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    return path


@cache
def ffprobe_exe() -> str | None:
    """Path of ffprobe if installed; imageio-ffmpeg ships none, and then ffmpeg decodes."""
    return shutil.which("ffprobe")


def input_args(path: Path | str) -> list[str]:
    """Arguments that make ffmpeg or ffprobe read ``path`` as one local file and nothing else."""
    # "file:" keeps a name such as "hls:x" or "concat:a|b" from choosing a protocol.
    return [
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        ",".join(DEMUXERS),
        "-i",
        f"file:{Path(path).resolve()}",
    ]


class Process:
    """A running ffmpeg/ffprobe in its own process group; see :func:`running`."""

    def __init__(self, popen: subprocess.Popen, errors: IO[bytes], source: str) -> None:
        self.popen = popen
        self._errors = errors
        self._source = source
        self.timed_out = False
        self.stopped = False
        self.active_at = time.monotonic()

    def chunks(self, size: int = READ_BYTES) -> Iterator[bytes]:
        """The process's output as it comes; each chunk counts as a sign of life."""
        assert self.popen.stdout is not None
        while chunk := self.popen.stdout.read(size):
            self.active_at = time.monotonic()
            yield chunk

    def kill(self) -> None:
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def error_line(self) -> str:
        """ffmpeg's last complaint, for a message to the person who sent the file (it never
        decides anything, and the server's path is taken out)."""
        self._errors.seek(0)
        text = self._errors.read().decode(errors="replace").replace(self._source + ": ", "")
        lines = text.replace(self._source, "the file").strip().splitlines()
        refused = [line for line in lines if "not on whitelist" in line]
        if refused:
            # "[hls @ 0x55c8] Format not on whitelist ..." names the refused demuxer.
            name = refused[0].removeprefix("[").split(" @", 1)[0]
            return f"{name} files are not accepted, only single audio or video files"
        return lines[-1] if lines else "unknown error"


_lock = threading.Lock()
_local = threading.local()
_running: dict[int, tuple[Process, str | None]] = {}
_stopped_owners: set[str | None] = set()


@contextmanager
def owned_by(owner: str) -> Iterator[None]:
    """Runs started by this thread inside the block belong to ``owner`` (a job), so
    :func:`stop` can end them all from another thread."""
    _local.owner = owner
    try:
        yield
    finally:
        _local.owner = None
        with _lock:
            _stopped_owners.discard(owner)


def last_activity(owner: str) -> float | None:
    """When (time.monotonic) a run of ``owner`` last produced output; None if none runs."""
    with _lock:
        times = [proc.active_at for proc, who in _running.values() if who == owner]
    return max(times, default=None)


def stop(owner: str | None = None) -> int:
    """Kill the process groups of ``owner``'s runs; later runs of that owner fail at once.
    With no owner, every run, and every later run fails: the process is ending. Returns
    how many were killed."""
    with _lock:
        _stopped_owners.add(owner)
        victims = [proc for proc, who in _running.values() if owner is None or who == owner]
    for proc in victims:
        proc.stopped = True
        proc.kill()
    return len(victims)


def _refused(owner: str | None) -> bool:
    """Whether runs of ``owner`` were stopped (by name, or all of them); under ``_lock``."""
    return owner in _stopped_owners or None in _stopped_owners


@contextmanager
def running(cmd: list[str], timeout: float, stdout: int | None = None) -> Iterator[Process]:
    """Start ``cmd`` in a new session and yield it; its group is killed at ``timeout`` seconds
    and on leaving the block. Raises TimedOut or Stopped after the block if it was ended so."""
    owner = getattr(_local, "owner", None)
    # ffmpeg's complaints go to a file: a damaged file can fill a stderr pipe and stall it.
    with tempfile.TemporaryFile() as errors:
        with _lock:
            if _refused(owner):
                raise Stopped("stopped")
        # Not under the lock: Popen waits until the child has started ffmpeg, and a child
        # that never gets there (stopped, starved) would hold every other run and stop().
        popen = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=stdout if stdout is not None else subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,
        )
        source = cmd[cmd.index("-i") + 1] if "-i" in cmd else ""
        proc = Process(popen, errors, source)
        with _lock:
            _running[popen.pid] = (proc, owner)
            # Stopped while it was starting: it ends at once, like the runs stop() found.
            proc.stopped = _refused(owner)
        if proc.stopped:
            proc.kill()
        timer = threading.Timer(timeout, _deadline, (proc,))
        timer.daemon = True
        timer.start()
        try:
            yield proc
        finally:
            timer.cancel()
            proc.kill()
            if popen.stdout is not None:
                popen.stdout.close()
            popen.wait()
            with _lock:
                _running.pop(popen.pid, None)
        if proc.stopped:
            raise Stopped("stopped")
        if proc.timed_out:
            raise TimedOut(f"ffmpeg did not finish within {timeout:g} seconds")


def run(cmd: list[str], timeout: float) -> tuple[int, bytes, str]:
    """Run ``cmd`` to the end: (exit status, its output, its last complaint)."""
    with running(cmd, timeout, stdout=subprocess.PIPE) as proc:
        out = b"".join(proc.chunks())
        code = proc.popen.wait()
        complaint = proc.error_line()
    return code, out, complaint


def _deadline(proc: Process) -> None:
    proc.timed_out = True
    proc.kill()
