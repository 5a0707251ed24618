"""Audio decoding, probing, loudness and waveform peaks."""

from podalign.audio.decode import SAMPLE_RATE, decode_pcm16, to_float32
from podalign.audio.errors import AudioError
from podalign.audio.peaks import compute_peaks
from podalign.audio.playable import make_browser_playable
from podalign.audio.probe import AudioInfo, AudioTooLong, measure_audio, probe_audio
from podalign.audio.silence import Envelope, loudness_envelope

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "AudioInfo",
    "AudioTooLong",
    "Envelope",
    "compute_peaks",
    "decode_pcm16",
    "loudness_envelope",
    "make_browser_playable",
    "measure_audio",
    "probe_audio",
    "to_float32",
]
