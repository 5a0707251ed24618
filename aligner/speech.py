"""Is this stretch speech? Silero VAD (shipped inside faster-whisper) on a short span.

Loudness alone cannot tell a jingle or a music bed from a voice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from podalign.aligner.settings import SETTINGS
from podalign.aligner.whisper_api import vad_model
from podalign.audio import SAMPLE_RATE, PcmFile, to_float32

CHUNK = 512


class SpeechMap:
    """Silero VAD's verdict for every 32 ms of a stretch from ``start``, to ask about parts."""

    def __init__(self, start: float, speech: np.ndarray) -> None:
        self.start = start
        self.speech = speech

    @classmethod
    def listen(cls, pcm: PcmFile, start: float, end: float) -> SpeechMap:
        """Silero VAD run over [start, end] seconds of ``pcm``."""
        audio = to_float32(pcm.span(start, end))
        if len(audio) < CHUNK:
            return cls(start, np.zeros(0, dtype=bool))
        audio = np.pad(audio, (0, -len(audio) % CHUNK))
        probabilities = np.asarray(vad_model()(audio)).reshape(-1)
        return cls(start, probabilities >= SETTINGS.speech_probability)

    def share(self, start: float, end: float) -> float:
        """The share of [start, end] seconds that is speech (0 outside the stretch)."""
        chunk_seconds = CHUNK / SAMPLE_RATE
        a = max(0, int((start - self.start) / chunk_seconds))
        b = min(len(self.speech), int(np.ceil((end - self.start) / chunk_seconds)))
        return float(self.speech[a:b].mean()) if b > a else 0.0


# Makes the speech map of a stretch of the audio: SpeechMap.listen, or a memo of it.
SpeechMaps = Callable[[PcmFile, float, float], SpeechMap]


def speech_share(
    pcm: PcmFile,
    start: float,
    end: float,
    maps: SpeechMaps = SpeechMap.listen,
    contexts: tuple[float, ...] = (SETTINGS.speech_context_seconds,),
) -> float:
    """The share of 32 ms chunks in [start, end] seconds that Silero VAD calls speech.

    The VAD hears some audio before the stretch too (each of ``contexts``, in
    seconds; the largest share counts): its recurrent state needs context
    before it trusts a short word.
    """
    return max(maps(pcm, max(0.0, start - context), end).share(start, end) for context in contexts)
