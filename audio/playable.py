"""A copy browsers can play, for uploads in formats they cannot."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from podalign.audio import ffmpeg
from podalign.audio.errors import AudioError
from podalign.audio.probe import DEFAULT_MAX_SECONDS, PROBE_TIMEOUT, probe_audio

# MP3 encoding runs at tens of times real time; a 6-hour episode gets 20 minutes.
ENCODE_SPEED = 18.0

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


def make_browser_playable(src: Path | str, dst_dir: Path | str) -> Path | None:
    """Transcode ``src`` to MP3 in ``dst_dir`` unless browsers play it as it is.

    Returns the new file's path, or None when the original is playable.
    """
    src, dst_dir = Path(src), Path(dst_dir)
    info = probe_audio(src)
    if (info.codec, info.format_name) in PLAYABLE:
        return None
    dst = dst_dir / "playable.mp3"
    # A name of its own per call: a realignment may convert while a job still does.
    handle, name = tempfile.mkstemp(dir=dst_dir, prefix=".playable-", suffix=".mp3")
    os.close(handle)
    partial = Path(name)
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
    partial.replace(dst)
    return dst
