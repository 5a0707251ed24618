"""Decoded audio kept on disk by content, so an upload is decoded once.

The samples (``<digest>.pcm``) and their levels (``<digest>.levels.npz``)
live under the cache directory. The job's peaks, the aligner's recognition
and any later realignment read them back instead of decoding again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np
from podalign.audio.decode import Decoded, decode_to_file
from podalign.audio.pcm import PcmFile
from podalign.audio.probe import probe_audio
from podalign.audio.silence import Envelope


def audio_digest(path: Path | str) -> str:
    """SHA-256 of the file's bytes, computed once per version of the file in a process."""
    stat = os.stat(path)
    return _digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=64)
def _digest(path: str, _size: int, _mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as audio:
        while chunk := audio.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


class DecodedStore:
    def __init__(self, cache_dir: Path) -> None:
        self.directory = Path(cache_dir) / "audio"

    def find(self, src: Path | str) -> Decoded | None:
        """The stored decode of ``src``, or None (never decodes)."""
        pcm_file, levels_file = self._paths(audio_digest(src))
        if not (pcm_file.is_file() and levels_file.is_file()):
            return None
        try:
            with np.load(levels_file) as levels:
                envelope, peaks = Envelope(db=levels["db"]), levels["peaks"]
        # A damaged entry is decoded afresh.
        except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile):
            return None
        return Decoded(PcmFile(pcm_file), envelope, peaks)

    def get(
        self,
        src: Path | str,
        *,
        playable_path: Path | None = None,
        expected_seconds: float | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> Decoded:
        """The decode of ``src``, decoding it now unless stored.

        ``playable_path`` asks the same pass for a browser-playable copy; a
        stored decode has no pass to ride on, so the caller makes one itself.
        """
        found = self.find(src)
        if found is not None:
            return found
        self.directory.mkdir(parents=True, exist_ok=True)
        pcm_file, levels_file = self._paths(audio_digest(src))
        if progress and expected_seconds is None:
            expected_seconds = probe_audio(src).duration
        # Temporary names per writer: two jobs may decode the same upload at once.
        partial_pcm = _unique_temporary(self.directory, ".pcm")
        partial_levels = _unique_temporary(self.directory, ".npz")
        try:
            decoded = decode_to_file(
                src,
                partial_pcm,
                playable_path=playable_path,
                expected_seconds=expected_seconds,
                progress=progress,
            )
            with open(partial_levels, "wb") as file:
                np.savez(file, db=decoded.envelope.db, peaks=decoded.peaks)
        except BaseException:
            partial_pcm.unlink(missing_ok=True)
            partial_levels.unlink(missing_ok=True)
            raise
        partial_pcm.replace(pcm_file)
        partial_levels.replace(levels_file)
        return Decoded(PcmFile(pcm_file), decoded.envelope, decoded.peaks)

    def forget(self, src: Path | str) -> None:
        """Delete the stored decode of ``src``, if any (a reader holding it open keeps it)."""
        for path in self._paths(audio_digest(src)):
            path.unlink(missing_ok=True)

    def _paths(self, digest: str) -> tuple[Path, Path]:
        return self.directory / f"{digest}.pcm", self.directory / f"{digest}.levels.npz"


def _unique_temporary(directory: Path, suffix: str) -> Path:
    handle, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=suffix)
    os.close(handle)
    return Path(name)
