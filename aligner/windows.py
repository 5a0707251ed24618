"""Cutting the episode into Whisper's 30-second windows at quiet moments.

A word cut in two at a window edge is misheard on both sides, so each window
ends at the quietest 10 ms near its 30-second limit; long stretches of
silence are skipped rather than fed to the encoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from podalign.aligner.settings import SETTINGS
from podalign.audio import Envelope


@dataclass(frozen=True)
class Window:
    start: float
    end: float


def activity(envelope: Envelope) -> np.ndarray:
    """Frames loud enough to hold speech: above a level between pauses and speech."""
    db = envelope.db
    floor, loud = np.percentile(db, 5), np.percentile(db, 95)
    return db > max(floor + 0.3 * (loud - floor), -60.0)


def plan_windows(
    envelope: Envelope, window_seconds: float = SETTINGS.window_seconds
) -> list[Window]:
    active = activity(envelope)
    step = envelope.frame_seconds
    total = len(active)
    smoothed = np.convolve(envelope.db, np.ones(5) / 5, mode="same")
    windows = []
    frame = _next_active(active, 0)
    limit = int(window_seconds / step)
    search = int(SETTINGS.cut_search_seconds / step)
    pad = int(SETTINGS.pad_seconds / step)
    while frame is not None and frame < total:
        start = max(0, frame - pad)
        if start + limit >= total:
            windows.append(Window(start * step, total * step))
            break
        lo, hi = start + limit - search, start + limit
        end = lo + int(np.argmin(smoothed[lo:hi]))
        windows.append(Window(start * step, end * step))
        frame = _next_active(active, end)
        if frame is not None and frame - end < SETTINGS.skip_silence_seconds / step:
            frame = end + pad
    return windows


def _next_active(active: np.ndarray, frame: int) -> int | None:
    ahead = np.flatnonzero(active[frame:])
    return frame + int(ahead[0]) if len(ahead) else None
