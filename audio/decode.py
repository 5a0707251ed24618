"""One decoding pass: 16 kHz mono int16 samples to a file, levels measured on the way.

ffmpeg streams the samples through a pipe; they go straight to disk while
the loudness envelope and the waveform peaks are measured chunk by chunk,
so memory does not grow with the episode. When the upload needs a copy
browsers can play, the same ffmpeg run writes it as a second output.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from podalign.audio.errors import AudioError
from podalign.audio.ffmpeg import ffmpeg_exe
from podalign.audio.pcm import SAMPLE_BYTES, SAMPLE_RATE, PcmFile
from podalign.audio.silence import Envelope, LevelMeter

READ_BYTES = 1 << 20


@dataclass(frozen=True)
class Decoded:
    """The decoded samples on disk, their loudness and their peak level per 10 ms."""

    pcm: PcmFile
    envelope: Envelope
    peaks: np.ndarray


def decode_to_file(
    src: Path | str,
    pcm_path: Path,
    *,
    playable_path: Path | None = None,
    expected_seconds: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> Decoded:
    """Decode ``src`` into ``pcm_path`` (and an MP3 copy into ``playable_path`` if given).

    ``progress`` receives the decoded fraction of ``expected_seconds``.
    """
    src = Path(src)
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(src)]
    cmd += ["-map", "0:a:0", "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
    if playable_path is not None:
        cmd += ["-map", "0:a:0", "-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"]
        cmd += [str(playable_path)]
    meter = LevelMeter()
    written = 0
    odd = b""
    # ffmpeg's complaints go to a file: a damaged file can fill a stderr pipe and stall it.
    with tempfile.TemporaryFile() as errors, open(pcm_path, "wb") as out:
        with start_ffmpeg(cmd, stdout=subprocess.PIPE, stderr=errors) as proc:
            assert proc.stdout is not None
            while chunk := proc.stdout.read(READ_BYTES):
                chunk = odd + chunk
                whole = len(chunk) - len(chunk) % SAMPLE_BYTES
                chunk, odd = chunk[:whole], chunk[whole:]
                out.write(chunk)
                meter.feed(np.frombuffer(chunk, dtype="<i2"))
                written += len(chunk)
                if progress and expected_seconds:
                    progress(min(1.0, written / SAMPLE_BYTES / SAMPLE_RATE / expected_seconds))
        if proc.returncode != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else "unknown error"
            raise AudioError(f"{src.name}: ffmpeg could not decode it ({reason})")
    return Decoded(PcmFile(pcm_path), meter.envelope(), meter.peaks())


def start_ffmpeg(cmd: list[str], **popen: object) -> subprocess.Popen:
    """Every full decode starts here: the seam where tests count them."""
    return subprocess.Popen(cmd, **popen)  # type: ignore[call-overload]
