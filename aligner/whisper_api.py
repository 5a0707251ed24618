"""Every use of faster-whisper beyond its public transcribe(): one place to check on upgrade.

The aligner drives Whisper below ``WhisperModel.transcribe``: its own windows,
batched greedy decoding without timestamps, cross-attention word times, forced
alignment of known text, and the bundled Silero VAD. Those are faster-whisper's
(and CTranslate2's) internals, so they are reached only through this module;
faster-whisper is pinned in pyproject.toml and tests/test_aligner_whisper_api.py
checks that each name used here still exists with the arguments passed.

faster-whisper is imported where it is first used, not with this module: it
brings PyAV and CTranslate2 (0.7 s), and a realignment from the cache needs
no Whisper at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer


def worker_count(model: WhisperModel) -> int:
    """How many CTranslate2 model workers can run at once."""
    return int(model.model.num_workers)


def is_multilingual(model: WhisperModel) -> bool:
    return bool(model.model.is_multilingual)


def make_tokenizer(model: WhisperModel, language: str | None) -> Tokenizer:
    from faster_whisper.tokenizer import Tokenizer

    return Tokenizer(
        model.hf_tokenizer, is_multilingual(model), task="transcribe", language=language or "en"
    )


def suppressed_tokens(tokenizer: Tokenizer) -> list[int]:
    """The tokens transcribe() suppresses by default (-1: its usual symbol set)."""
    from faster_whisper.transcribe import get_suppressed_tokens

    return list(get_suppressed_tokens(tokenizer, [-1]))


def features(
    model: WhisperModel, audio: np.ndarray, context_frames: int | None = None
) -> tuple[np.ndarray, int]:
    """The log-mel input for float32 ``audio``, and how many frames hold audio.

    Whisper hears 30 s (3000 frames) at once; CTranslate2's encoder also takes
    a shorter ``context_frames`` (even), which costs far less.
    """
    from faster_whisper.audio import pad_or_trim

    mel = model.feature_extractor(audio)
    length = context_frames or model.feature_extractor.nb_max_frames
    frames = min(mel.shape[-1], length)
    return pad_or_trim(mel, length), frames


def encode(model: WhisperModel, batch: np.ndarray) -> Any:
    """Encoder output (a CTranslate2 StorageView) for a batch of log-mel inputs."""
    return model.encode(batch)


def encode_each(model: WhisperModel, inputs: Sequence[np.ndarray]) -> list[Any]:
    """Encoder outputs for log-mel inputs, each encoded alone: in a batch, the
    encoder's attention buffers grow with it and a window costs more."""
    return [encode(model, mel[None]) for mel in inputs]


def as_batch(outputs: Sequence[Any]) -> Any:
    """Encoder outputs of one length as one batch, for the decoder: decoded together,
    windows cost less each, since its weights are read once a step for all of them."""
    import ctranslate2

    return ctranslate2.StorageView.from_array(np.concatenate([np.asarray(o) for o in outputs]))


def generate_greedy(
    model: WhisperModel,
    encoder_output: Any,
    prompts: Sequence[list[int]],
    max_length: int,
    suppress: list[int],
) -> list[list[int]]:
    """Greedy decoding of each window after its prompt; text tokens only, per window."""
    results = model.model.generate(
        encoder_output,
        list(prompts),
        beam_size=1,
        max_length=max_length,
        suppress_blank=True,
        suppress_tokens=suppress,
    )
    return [list(r.sequences_ids[0]) for r in results]


def word_alignments(
    model: WhisperModel,
    tokenizer: Tokenizer,
    tokens: list[list[int]],
    encoder_output: Any,
    frames: list[int],
) -> list[list[dict]]:
    """Cross-attention word times for decoded tokens: per window, dicts with word/start/end."""
    return model.find_alignment(tokenizer, tokens, encoder_output, frames)


def forced_alignment(
    model: WhisperModel, encoder_output: Any, sot: list[int], tokens: list[int], frames: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For known ``tokens``: text index, time index per alignment step, and token probabilities."""
    result = model.model.align(encoder_output, sot, [tokens], frames, median_filter_width=7)[0]
    text_indices = np.array([pair[0] for pair in result.alignments])
    time_indices = np.array([pair[1] for pair in result.alignments])
    return text_indices, time_indices, np.asarray(result.text_token_probs)


def tokens_per_second(model: WhisperModel) -> float:
    return float(model.tokens_per_second)


def vad_model() -> Any:
    """Silero VAD as faster-whisper bundles it: float32 chunks of 512 in, probabilities out."""
    from faster_whisper.vad import get_vad_model

    return get_vad_model()
