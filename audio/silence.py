"""A loudness envelope of the audio, for finding where speech starts and stops."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from podalign.audio.decode import SAMPLE_RATE

FRAME_SECONDS = 0.01
BLOCK_FRAMES = 60_000


@dataclass(frozen=True)
class Envelope:
    """Frame loudness in dB (relative to full scale), one value per 10 ms."""

    db: np.ndarray
    frame_seconds: float = FRAME_SECONDS

    def frame_at(self, seconds: float) -> int:
        return int(np.clip(round(seconds / self.frame_seconds), 0, len(self.db) - 1))

    def seconds_of(self, frame: int) -> float:
        return frame * self.frame_seconds


def loudness_envelope(samples: np.ndarray, sample_rate: int = SAMPLE_RATE) -> Envelope:
    """RMS loudness per 10 ms frame, computed block by block to keep memory flat."""
    frame = int(sample_rate * FRAME_SECONDS)
    frames = len(samples) // frame
    db = np.empty(frames, dtype=np.float32)
    for first in range(0, frames, BLOCK_FRAMES):
        last = min(frames, first + BLOCK_FRAMES)
        block = samples[first * frame : last * frame].astype(np.float32) / 32768.0
        power = np.mean(block.reshape(-1, frame) ** 2, axis=1)
        db[first:last] = 10 * np.log10(power + 1e-10)
    return Envelope(db=db)
