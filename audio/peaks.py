"""Waveform peaks for the player's timeline strip, from the per-10 ms peaks of the decode."""

from __future__ import annotations

import numpy as np
from podalign.audio.silence import FRAME_SECONDS


def peaks_per_point(frame_peaks: np.ndarray, points_per_second: int = 20) -> list[float]:
    """Peak level per 1/points_per_second of audio, scaled so the loudest is 1."""
    frames_per_second = round(1 / FRAME_SECONDS)
    count = -(-len(frame_peaks) * points_per_second // frames_per_second)
    if count == 0:
        return []
    # Point i covers frames [i * 100 / pps, (i + 1) * 100 / pps): exact for any density.
    firsts = np.arange(count) * frames_per_second // points_per_second
    peaks = np.maximum.reduceat(frame_peaks, firsts).astype(np.float32)
    loudest = float(peaks.max())
    if loudest > 0:
        peaks /= loudest
    return [round(float(p), 3) for p in peaks]
