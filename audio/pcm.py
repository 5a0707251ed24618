"""Decoded samples kept in a file and read span by span.

An episode's samples (115 MB an hour at 16 kHz) never sit in memory whole:
each reader copies out the span it needs and drops it. A memory map would
not do, as every page read through it stays counted in the resident size.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000
SAMPLE_BYTES = 2


class PcmFile:
    """16 kHz mono int16 little-endian samples, headerless, in ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.count = self.path.stat().st_size // SAMPLE_BYTES

    @property
    def duration(self) -> float:
        return self.count / SAMPLE_RATE

    def span(self, start: float, end: float) -> np.ndarray:
        """The samples from ``start`` to ``end`` seconds (clipped to the audio)."""
        first = min(self.count, max(0, int(start * SAMPLE_RATE)))
        last = min(self.count, max(first, int(end * SAMPLE_RATE)))
        if last == first:
            return np.zeros(0, dtype=np.int16)
        return np.fromfile(self.path, dtype="<i2", count=last - first, offset=first * SAMPLE_BYTES)


def to_float32(samples: np.ndarray) -> np.ndarray:
    """int16 samples as float32 in [-1, 1], the form Whisper and Silero expect."""
    return samples.astype(np.float32) / 32768.0
