"""What an audio file is, found by asking ffmpeg to decode it (never by its name)."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from podalign.audio.errors import AudioError
from podalign.audio.ffmpeg import ffmpeg_exe

DURATION = re.compile(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
INPUT_FORMAT = re.compile(r"Input #0, ([^,]+(?:,[^,]+)*?), from")
AUDIO_STREAM = re.compile(r"Stream #0:\d+[^:]*: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)")
TIME_DECODED = re.compile(r"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")
PROBE_SECONDS = 30


@dataclass(frozen=True)
class AudioInfo:
    duration: float
    format_name: str
    codec: str
    sample_rate: int
    channels: int


def probe_audio(path: Path | str) -> AudioInfo:
    """Describe the first audio stream of ``path``; raises AudioError if it does not decode.

    ffmpeg decodes the first seconds to prove the stream is real audio; the
    duration comes from the container, or from a full decode when the
    container does not say (raw streams, some Ogg files).
    """
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path.name}: no such file")
    header = _run_ffmpeg(path, ["-t", str(PROBE_SECONDS)])
    stream = AUDIO_STREAM.search(header.stderr)
    if header.returncode != 0 or stream is None:
        raise AudioError(f"{path.name}: not an audio file ffmpeg can decode")
    if not header.decoded_bytes:
        raise AudioError(f"{path.name}: the audio stream holds no samples")
    codec, rate, layout = stream.group(1), int(stream.group(2)), stream.group(3).strip()
    duration = _seconds(DURATION.search(header.stderr))
    if duration is None:
        duration = _seconds_decoded(path)
    fmt = INPUT_FORMAT.search(header.stderr)
    return AudioInfo(
        duration=duration,
        format_name=fmt.group(1) if fmt else "unknown",
        codec=codec,
        sample_rate=rate,
        channels=_channel_count(layout),
    )


@dataclass
class _FfmpegRun:
    returncode: int
    stderr: str
    decoded_bytes: int


def _run_ffmpeg(path: Path, extra: list[str]) -> _FfmpegRun:
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), *extra]
    cmd += ["-vn", "-ac", "1", "-ar", "8000", "-f", "s16le", "-"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    return _FfmpegRun(proc.returncode, proc.stderr.decode(errors="replace"), len(proc.stdout))


def _seconds_decoded(path: Path) -> float:
    """Decode the whole file to nowhere and read how far ffmpeg got."""
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", str(path), "-vn", "-f", "null", "-"]
    proc = subprocess.run(cmd, capture_output=True, check=False)
    stamps = TIME_DECODED.findall(proc.stderr.decode(errors="replace"))
    if not stamps:
        raise AudioError(f"{path.name}: the audio stream holds no samples")
    h, m, s = stamps[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def _seconds(match: re.Match | None) -> float | None:
    if match is None:
        return None
    h, m, s = match.groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


def _channel_count(layout: str) -> int:
    named = {"mono": 1, "stereo": 2, "2.1": 3, "quad": 4, "5.0": 5, "5.1": 6, "7.1": 8}
    if layout in named:
        return named[layout]
    digits = re.match(r"(\d+) channels", layout)
    return int(digits.group(1)) if digits else 1
