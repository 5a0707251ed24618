"""Locate ffmpeg: the one on PATH, else the binary the imageio-ffmpeg wheel ships."""

from __future__ import annotations

import shutil
from functools import cache

from pydub import AudioSegment


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary, also handed to pydub so its helpers use the same one."""
    path = shutil.which("ffmpeg")
    if path is None:
        import imageio_ffmpeg

        path = imageio_ffmpeg.get_ffmpeg_exe()
    AudioSegment.converter = path
    return path
