"""The waveform overview the player draws, computed once and cached as peaks.json."""

from __future__ import annotations

from pathlib import Path

from podalign.api import files
from podalign.audio import DecodedStore, peaks_per_point

# Twenty points a second is plenty for a short clip; longer episodes get
# fewer so the JSON stays near this many points and loads quickly.
MAX_POINTS = 24_000
MAX_POINTS_PER_SECOND = 20


def points_per_second(duration: float) -> int:
    return max(1, min(MAX_POINTS_PER_SECOND, int(MAX_POINTS / max(duration, 1.0))))


def ensure_peaks(folder: Path, audio: Path, duration: float, store: DecodedStore) -> Path:
    """The path of the episode's peaks.json, computing it first if need be (or again, if
    the one there is damaged).

    The peaks come from the stored decode, the one the aligner reads too.
    """
    path = folder / "peaks.json"
    if not _readable(path):
        rate = points_per_second(duration)
        peaks = peaks_per_point(store.get(audio).peaks, points_per_second=rate)
        files.write_json(path, {"duration": duration, "points_per_second": rate, "peaks": peaks})
    return path


def _readable(path: Path) -> bool:
    try:
        stored = files.read_json(path)
    except (OSError, ValueError):
        return False
    return isinstance(stored, dict) and isinstance(stored.get("peaks"), list)
