"""Is this stretch speech? Silero VAD (shipped inside faster-whisper) on a short span.

Loudness alone cannot tell a jingle or a music bed from a voice.
"""

from __future__ import annotations

import numpy as np
from faster_whisper.vad import get_vad_model

from audio import SAMPLE_RATE, to_float32

CHUNK = 512
SPEECH_PROBABILITY = 0.5


def speech_share(samples: np.ndarray, start: float, end: float) -> float:
    """The share of 32 ms chunks in [start, end] seconds that Silero VAD calls speech."""
    audio = to_float32(samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)])
    if len(audio) < CHUNK:
        return 0.0
    audio = np.pad(audio, (0, -len(audio) % CHUNK))
    probabilities = np.asarray(get_vad_model()(audio)).reshape(-1)
    return float(np.mean(probabilities >= SPEECH_PROBABILITY))
