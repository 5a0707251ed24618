"""What an audio file is, never judged by its name, its header's claims or ffmpeg's log text.

The container and stream come from ffprobe's JSON; the length that counts is
the one the decoder produces (:func:`measure_audio`), counted as it streams
past, so a header claiming ten hours in a 4 KB file costs nothing.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from podalign.audio import ffmpeg
from podalign.audio.errors import AudioError

PROBE_TIMEOUT = 60.0
# Decoding for the length runs at hundreds of times real time; this leaves a wide margin.
DECODE_SPEED = 20.0
COUNT_RATE = 8000
DEFAULT_MAX_SECONDS = 6 * 3600.0


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    format_name: str
    codec: str
    sample_rate: int
    channels: int


class AudioTooLong(AudioError):
    """Longer than the configured maximum; the message names the limit."""


def probe_audio(path: Path | str) -> AudioInfo:
    """Describe the first audio stream of ``path``; raises AudioError if there is none.

    ``duration`` is the container's claim here, good for progress figures only.
    Without ffprobe (imageio-ffmpeg ships none) the container and codec are
    "unknown" and the duration is decoded.
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path.name}: no such file")
    exe = ffmpeg.ffprobe_exe()
    if exe is None:
        seconds = decoded_seconds(path, DEFAULT_MAX_SECONDS)
        return AudioInfo(seconds, "unknown", "unknown", 0, 0)
    cmd = [exe, "-v", "error", "-of", "json", "-show_format", "-show_streams"]
    cmd += ["-select_streams", "a:0", *ffmpeg.input_args(path)]
    code, out, complaint = ffmpeg.run(cmd, PROBE_TIMEOUT)
    if code != 0:
        raise AudioError(f"{path.name}: not an audio file ffmpeg can decode ({complaint})")
    return _info(path, out)


def measure_audio(path: Path | str, max_seconds: float = DEFAULT_MAX_SECONDS) -> AudioInfo:
    """probe_audio, with the duration the decoder actually produces; AudioTooLong beyond
    ``max_seconds`` (checked against the header's claim before any decoding)."""
    info = probe_audio(path)
    if info.duration > max_seconds:
        raise _too_long(Path(path), max_seconds)
    return replace(info, duration=decoded_seconds(Path(path), max_seconds))


def decoded_seconds(path: Path, max_seconds: float) -> float:
    """Decode the first audio stream to nowhere, counting samples; stops past ``max_seconds``."""
    cmd = [ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    cmd += [*ffmpeg.input_args(path), "-t", f"{max_seconds + 1:g}", "-map", "0:a:0"]
    cmd += ["-ac", "1", "-ar", str(COUNT_RATE), "-f", "s16le", "pipe:1"]
    timeout = PROBE_TIMEOUT + max_seconds / DECODE_SPEED
    count = 0
    with ffmpeg.running(cmd, timeout, stdout=subprocess.PIPE) as proc:
        for chunk in proc.chunks():
            count += len(chunk)
        code = proc.popen.wait()
        complaint = proc.error_line()
    if code != 0:
        raise AudioError(f"{path.name}: not an audio file ffmpeg can decode ({complaint})")
    if count == 0:
        raise AudioError(f"{path.name}: the audio stream holds no samples")
    seconds = count / 2 / COUNT_RATE
    if seconds > max_seconds:
        raise _too_long(path, max_seconds)
    return seconds


def _info(path: Path, out: bytes) -> AudioInfo:
    try:
        probed = json.loads(out)
        stream = probed["streams"][0]
        fmt = probed["format"]
        format_name = str(fmt["format_name"])
        codec = str(stream["codec_name"])
        claimed = _seconds(fmt.get("duration")) or _seconds(stream.get("duration"))
        rate = int(stream.get("sample_rate") or 0)
        channels = int(stream.get("channels") or 0)
    except (ValueError, KeyError, IndexError, TypeError):
        raise AudioError(f"{path.name}: no audio stream ffmpeg can decode") from None
    if not set(format_name.split(",")) & set(ffmpeg.DEMUXERS):
        raise AudioError(f"{path.name}: {format_name} files are not accepted")
    return AudioInfo(claimed, format_name, codec, rate, channels)


def _seconds(value: object) -> float:
    """A claimed duration in seconds; 0 when absent or not a number."""
    try:
        seconds = float(str(value))
    except ValueError:
        return 0.0
    return seconds if seconds == seconds else 0.0


def _too_long(path: Path, max_seconds: float) -> AudioTooLong:
    hours = max_seconds / 3600
    return AudioTooLong(f"{path.name}: the audio is longer than this server's limit of {hours:g} h")
