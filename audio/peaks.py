"""Waveform peaks for the player's timeline strip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from podalign.audio.decode import decode_pcm16

PEAK_SAMPLE_RATE = 4000


def compute_peaks(path: Path | str, points_per_second: int = 20) -> list[float]:
    """Peak level per 1/points_per_second of audio, scaled so the loudest is 1.

    Decoding at 4 kHz keeps this cheap; the shape of speech survives it.
    """
    samples = decode_pcm16(path, sample_rate=PEAK_SAMPLE_RATE)
    bucket = max(1, PEAK_SAMPLE_RATE // points_per_second)
    count = -(-len(samples) // bucket)
    padded = np.zeros(count * bucket, dtype=np.int32)
    padded[: len(samples)] = np.abs(samples.astype(np.int32))
    peaks = padded.reshape(count, bucket).max(axis=1).astype(np.float32)
    loudest = float(peaks.max()) if count else 0.0
    if loudest > 0:
        peaks /= loudest
    return [round(float(p), 3) for p in peaks]
