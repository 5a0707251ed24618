"""One decoding pass: 16 kHz mono int16 samples to a file, levels measured on the way.

ffmpeg streams the samples through a pipe; they go straight to disk while
the loudness envelope and the waveform peaks are measured chunk by chunk,
so memory does not grow with the episode. When the upload needs a copy
browsers can play, the same ffmpeg run writes it as a second output.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from podalign.audio import ffmpeg
from podalign.audio.errors import AudioError
from podalign.audio.pcm import SAMPLE_BYTES, SAMPLE_RATE, PcmFile
from podalign.audio.probe import DECODE_SPEED, DEFAULT_MAX_SECONDS, PROBE_TIMEOUT
from podalign.audio.silence import Envelope, LevelMeter

READ_BYTES = 1 << 20
# MP3 encoding runs at tens of times real time; a 6-hour episode gets 20 minutes.
ENCODE_SPEED = 18.0


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
    cmd = [ffmpeg.ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    cmd += [*ffmpeg.input_args(src), "-map", "0:a:0"]
    cmd += ["-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "s16le", "pipe:1"]
    speed = DECODE_SPEED
    if playable_path is not None:
        cmd += ["-map", "0:a:0", "-c:a", "libmp3lame", "-q:a", "4", "-f", "mp3"]
        cmd += [str(playable_path)]
        speed = ENCODE_SPEED
    timeout = PROBE_TIMEOUT + DEFAULT_MAX_SECONDS / speed
    meter = LevelMeter()
    written = 0
    odd = b""
    with open(pcm_path, "wb") as out, start_ffmpeg(cmd, timeout) as proc:
        # Each chunk read is the job's sign of life for the stall watchdog.
        for chunk in proc.chunks(READ_BYTES):
            chunk = odd + chunk
            whole = len(chunk) - len(chunk) % SAMPLE_BYTES
            chunk, odd = chunk[:whole], chunk[whole:]
            out.write(chunk)
            meter.feed(np.frombuffer(chunk, dtype="<i2"))
            written += len(chunk)
            if progress and expected_seconds:
                progress(min(1.0, written / SAMPLE_BYTES / SAMPLE_RATE / expected_seconds))
        code = proc.popen.wait()
        reason = proc.error_line()
    if code != 0:
        raise AudioError(f"{src.name}: ffmpeg could not decode it ({reason})")
    return Decoded(PcmFile(pcm_path), meter.envelope(), meter.peaks())


def start_ffmpeg(cmd: list[str], timeout: float) -> AbstractContextManager[ffmpeg.Process]:
    """Every full decode starts here, hardened as every ffmpeg run: the seam where tests
    count them."""
    return ffmpeg.running(cmd, timeout, stdout=subprocess.PIPE)
