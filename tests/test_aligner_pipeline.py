"""aligner.pipeline: what runs at the same time in a run that must recognise the audio."""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from podalign.aligner import AlignmentError, align_transcript, pipeline
from podalign.audio import DecodedStore
from podalign.transcripts import parse_transcript
from threadpoolctl import threadpool_info, threadpool_limits


def test_the_model_loads_while_the_audio_decodes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each side waits for the other to have started: run one after the other, the first
    would time out."""
    loading, decoding = threading.Event(), threading.Event()
    decode = DecodedStore.get

    def load_model(name: str, cache_dir: Path | None = None) -> object:
        loading.set()
        assert decoding.wait(10), "the model loaded before the decoding began"
        return object()

    def get(store: DecodedStore, path: Path, progress=None):
        decoding.set()
        assert loading.wait(10), "the decoding ran before the model began to load"
        return decode(store, path, progress=progress)

    monkeypatch.setattr(pipeline, "load_model", load_model)
    monkeypatch.setattr(DecodedStore, "get", get)
    silence = _write_wav(tmp_path / "silence.wav", np.zeros(16000))

    with pytest.raises(AlignmentError, match="silent"):
        align_transcript(silence, parse_transcript(b"Ann: Hello there.\n"), cache_dir=tmp_path)


def test_numpys_blas_runs_on_one_thread_while_whisper_hears(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its idle threads would spin on the cores Whisper's workers need."""
    blas_threads = []

    def recognise(*args: object, **kwargs: object) -> list:
        blas_threads.extend(
            info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"
        )
        return []

    english = SimpleNamespace(supported_languages=["en"])
    monkeypatch.setattr(pipeline, "load_model", lambda name, cache_dir=None: english)
    monkeypatch.setattr(pipeline, "recognise", recognise)
    tone = _write_wav(
        tmp_path / "tone.wav", 8000 * np.sin(2 * np.pi * 220 * np.arange(16000) / 16000)
    )

    transcript = parse_transcript(b"Ann: Hello there.\n")
    with (
        threadpool_limits(limits=2, user_api="blas"),
        pytest.raises(AlignmentError, match="no speech"),
    ):
        align_transcript(tone, transcript, language="en", cache_dir=tmp_path)
    assert blas_threads and set(blas_threads) == {1}


def _write_wav(path: Path, samples: np.ndarray) -> Path:
    """A WAV file of 16 kHz mono ``samples``."""
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(samples.astype(np.int16).tobytes())
    return path
