"""Audio decoding, probing, loudness and waveform peaks."""

from podalign.audio.decode import Decoded, decode_to_file
from podalign.audio.errors import AudioError
from podalign.audio.pcm import SAMPLE_RATE, PcmFile, to_float32
from podalign.audio.peaks import peaks_per_point
from podalign.audio.playable import decode_and_make_playable
from podalign.audio.probe import AudioInfo, AudioTooLong, measure_audio, probe_audio
from podalign.audio.silence import Envelope, LevelMeter
from podalign.audio.store import DecodedStore, audio_digest

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "AudioInfo",
    "AudioTooLong",
    "Decoded",
    "DecodedStore",
    "Envelope",
    "LevelMeter",
    "PcmFile",
    "audio_digest",
    "decode_and_make_playable",
    "decode_to_file",
    "measure_audio",
    "peaks_per_point",
    "probe_audio",
    "to_float32",
]
