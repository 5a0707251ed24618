"""Audio decoding, probing, loudness and waveform peaks."""

from audio.decode import SAMPLE_RATE, decode_pcm16, to_float32
from audio.errors import AudioError
from audio.peaks import compute_peaks
from audio.playable import make_browser_playable
from audio.probe import AudioInfo, probe_audio
from audio.silence import Envelope, loudness_envelope

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "AudioInfo",
    "Envelope",
    "compute_peaks",
    "decode_pcm16",
    "loudness_envelope",
    "make_browser_playable",
    "probe_audio",
    "to_float32",
]
