"""Loudness and peak level per 10 ms frame, measured as the samples stream past."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from podalign.audio.pcm import SAMPLE_RATE

FRAME_SECONDS = 0.01


@dataclass(frozen=True)
class Envelope:
    """Frame loudness in dB (relative to full scale), one value per 10 ms."""

    db: np.ndarray
    frame_seconds: float = FRAME_SECONDS

    def frame_at(self, seconds: float) -> int:
        return int(np.clip(round(seconds / self.frame_seconds), 0, len(self.db) - 1))

    def seconds_of(self, frame: int) -> float:
        return frame * self.frame_seconds


class LevelMeter:
    """Fed int16 samples chunk by chunk; keeps only two numbers per 10 ms frame.

    A trailing part-frame is measured as a frame of its own, so the peaks
    reach the last sample; the loudness envelope leaves it out.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE) -> None:
        self.frame = int(sample_rate * FRAME_SECONDS)
        self._rest = np.zeros(0, dtype=np.int16)
        self._db: list[np.ndarray] = []
        self._peak: list[np.ndarray] = []

    def feed(self, samples: np.ndarray) -> None:
        if len(self._rest):
            samples = np.concatenate([self._rest, samples])
        whole = len(samples) - len(samples) % self.frame
        self._rest = samples[whole:].copy()
        if whole:
            self._measure(samples[:whole])

    def _measure(self, samples: np.ndarray) -> None:
        frames = samples.reshape(-1, self.frame).astype(np.float32) / 32768.0
        self._db.append(10 * np.log10(np.mean(frames**2, axis=1) + 1e-10).astype(np.float32))
        self._peak.append(np.abs(frames).max(axis=1))

    def envelope(self) -> Envelope:
        return Envelope(db=_joined(self._db))

    def peaks(self) -> np.ndarray:
        """The loudest sample of each frame, full scale = 1, the part-frame at the end included."""
        peaks = _joined(self._peak)
        if len(self._rest):
            tail = np.abs(self._rest.astype(np.float32)).max() / 32768.0
            peaks = np.append(peaks, np.float32(tail))
        return peaks


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
