"""Locate ffmpeg: the one on PATH, else the binary the imageio-ffmpeg wheel ships.

Decoding streams straight from an ffmpeg process rather than through pydub's
AudioSegment, which holds the whole file as PCM at its own rate: 1.9 GB for a
three-hour stereo episode.
"""

from __future__ import annotations

import shutil
from functools import cache


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary to run."""
    path = shutil.which("ffmpeg")
    if path is None:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    return path
