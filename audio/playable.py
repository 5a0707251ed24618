"""A copy browsers can play, for uploads in formats they cannot."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from podalign.audio import ffmpeg
from podalign.audio.decode import ENCODE_SPEED, Decoded
from podalign.audio.errors import AudioError
from podalign.audio.probe import DEFAULT_MAX_SECONDS, PROBE_TIMEOUT, probe_audio
from podalign.audio.store import DecodedStore

PLAYABLE_NAME = "playable.mp3"
# Codec and container pairs every current browser's <audio> plays.
PLAYABLE = {
    ("mp3", "mp3"),
    ("aac", "mov,mp4,m4a,3gp,3g2,mj2"),
    ("opus", "ogg"),
    ("vorbis", "ogg"),
    ("flac", "flac"),
    ("opus", "matroska,webm"),
    ("vorbis", "matroska,webm"),
    ("pcm_s16le", "wav"),
}


def is_browser_playable(src: Path | str) -> bool:
    info = probe_audio(src)
    return (info.codec, info.format_name) in PLAYABLE


def decode_and_make_playable(
    store: DecodedStore,
    src: Path | str,
    dst_dir: Path | str,
    *,
    expected_seconds: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[Decoded, Path | None]:
    """The decode of ``src`` and, unless browsers play it as it is, an MP3 copy in ``dst_dir``.

    Both come from one ffmpeg run when the decode is not stored yet.
    Returns the decode and the copy's path (None when the original plays).
    """
    if is_browser_playable(src):
        return store.get(src, expected_seconds=expected_seconds, progress=progress), None
    if store.find(src) is not None:
        return store.get(src), _transcode(Path(src), Path(dst_dir))
    partial = _partial_copy(Path(dst_dir))
    try:
        decoded = store.get(
            src, playable_path=partial, expected_seconds=expected_seconds, progress=progress
        )
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return decoded, partial.replace(Path(dst_dir) / PLAYABLE_NAME)


def _transcode(src: Path, dst_dir: Path) -> Path:
    partial = _partial_copy(dst_dir)
    cmd = [ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    cmd += [*ffmpeg.input_args(src), "-map", "0:a:0", "-c:a", "libmp3lame", "-q:a", "4"]
    # Through a pipe, so the output counts as the job's sign of life as it is made.
    cmd += ["-f", "mp3", "pipe:1"]
    timeout = PROBE_TIMEOUT + DEFAULT_MAX_SECONDS / ENCODE_SPEED
    try:
        with (
            ffmpeg.running(cmd, timeout, stdout=subprocess.PIPE) as proc,
            partial.open("wb") as out,
        ):
            for chunk in proc.chunks():
                out.write(chunk)
            code = proc.popen.wait()
    except AudioError:
        partial.unlink(missing_ok=True)
        raise
    if code != 0:
        partial.unlink(missing_ok=True)
        raise AudioError(f"{src.name}: could not convert it for playback in browsers")
    return partial.replace(dst_dir / PLAYABLE_NAME)


def _partial_copy(dst_dir: Path) -> Path:
    # A name of its own per call: a realignment may convert while a job still does.
    handle, name = tempfile.mkstemp(dir=dst_dir, prefix=".playable-", suffix=".mp3")
    os.close(handle)
    return Path(name)
