"""aligner.pipeline: what runs at the same time in a run that must recognise the audio."""

from __future__ import annotations

import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from podalign.aligner import AlignmentError, align_transcript, pipeline
from podalign.audio import DecodedStore
from podalign.transcripts import parse_transcript


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
    silence = tmp_path / "silence.wav"
    with wave.open(str(silence), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(np.zeros(16000, dtype=np.int16).tobytes())

    with pytest.raises(AlignmentError, match="silent"):
        align_transcript(silence, parse_transcript(b"Ann: Hello there.\n"), cache_dir=tmp_path)
