"""Decode any audio ffmpeg understands to 16 kHz mono, streamed.

Samples are kept as int16: a 3-hour episode is 350 MB that way, against
690 MB as float32, and windows are converted to float32 one at a time.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
from podalign.audio import ffmpeg
from podalign.audio.errors import AudioError
from podalign.audio.probe import DECODE_SPEED, DEFAULT_MAX_SECONDS, PROBE_TIMEOUT

SAMPLE_RATE = 16000
READ_BYTES = 1 << 20
# The buffer starts at most this long and grows with what is decoded: a header's
# claimed duration must not decide how much memory is taken.
FIRST_BUFFER_SECONDS = 600


def decode_pcm16(
    path: Path | str,
    expected_seconds: float | None = None,
    progress: Callable[[float], None] | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Return the audio as mono int16 samples at ``sample_rate``.

    ``progress`` receives the decoded fraction of ``expected_seconds``.
    """
    cmd = [ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error"]
    cmd += [*ffmpeg.input_args(path), "-map", "0:a:0"]
    cmd += ["-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "pipe:1"]
    first_seconds = min(expected_seconds or 60, FIRST_BUFFER_SECONDS)
    buffer = bytearray(int(first_seconds * sample_rate * 2 * 1.02) + READ_BYTES)
    filled = 0
    timeout = PROBE_TIMEOUT + DEFAULT_MAX_SECONDS / DECODE_SPEED
    with ffmpeg.running(cmd, timeout, stdout=subprocess.PIPE) as proc:
        for chunk in proc.chunks(READ_BYTES):
            if filled + len(chunk) > len(buffer):
                buffer.extend(bytes(max(len(chunk), len(buffer) // 2)))
            buffer[filled : filled + len(chunk)] = chunk
            filled += len(chunk)
            if progress and expected_seconds:
                progress(min(1.0, filled / 2 / sample_rate / expected_seconds))
        code = proc.popen.wait()
        reason = proc.error_line()
    if code != 0:
        raise AudioError(f"{Path(path).name}: ffmpeg could not decode it ({reason})")
    filled -= filled % 2
    return np.frombuffer(memoryview(buffer)[:filled], dtype=np.int16)


def to_float32(samples: np.ndarray) -> np.ndarray:
    """int16 samples as float32 in [-1, 1], the form Whisper and Silero expect."""
    return samples.astype(np.float32) / 32768.0
