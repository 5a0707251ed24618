"""Decode any audio ffmpeg understands to 16 kHz mono, streamed.

Samples are kept as int16: a 3-hour episode is 350 MB that way, against
690 MB as float32, and windows are converted to float32 one at a time.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from podalign.audio.errors import AudioError
from podalign.audio.ffmpeg import ffmpeg_exe

SAMPLE_RATE = 16000
READ_BYTES = 1 << 20


def decode_pcm16(
    path: Path | str,
    expected_seconds: float | None = None,
    progress: Callable[[float], None] | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> np.ndarray:
    """Return the audio as mono int16 samples at ``sample_rate``.

    ``progress`` receives the decoded fraction of ``expected_seconds``.
    """
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(path)]
    cmd += ["-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-"]
    capacity = int((expected_seconds or 60) * sample_rate * 2 * 1.02) + READ_BYTES
    buffer = bytearray(capacity)
    filled = 0
    # ffmpeg's complaints go to a file: a damaged file can fill a stderr pipe and stall it.
    with tempfile.TemporaryFile() as errors:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errors) as proc:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(READ_BYTES):
                if filled + len(chunk) > len(buffer):
                    buffer.extend(bytes(max(len(chunk), len(buffer) // 2)))
                buffer[filled : filled + len(chunk)] = chunk
                filled += len(chunk)
                if progress and expected_seconds:
                    progress(min(1.0, filled / 2 / sample_rate / expected_seconds))
        if proc.returncode != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else "unknown error"
            raise AudioError(f"{Path(path).name}: ffmpeg could not decode it ({reason})")
    filled -= filled % 2
    return np.frombuffer(memoryview(buffer)[:filled], dtype=np.int16)


def to_float32(samples: np.ndarray) -> np.ndarray:
    """int16 samples as float32 in [-1, 1], the form Whisper and Silero expect."""
    return samples.astype(np.float32) / 32768.0
