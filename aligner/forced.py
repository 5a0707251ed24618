"""Forced alignment of known words to a stretch of audio.

Where Whisper's own pass skipped or misheard a stretch, the transcript's
words are aligned to that stretch directly: the decoder is fed the text
and its cross-attention says when each word is spoken. The per-token
probabilities say whether the words are there at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from podalign.aligner import whisper_api
from podalign.aligner.settings import SETTINGS
from podalign.aligner.whisper_api import make_tokenizer
from podalign.audio import PcmFile, to_float32

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

MAX_TEXT_TOKENS = 440


@dataclass(frozen=True)
class ForcedWord:
    start: float
    end: float
    probability: float


def force_align(
    model: WhisperModel,
    pcm: PcmFile,
    start: float,
    end: float,
    words: Sequence[str],
    language: str | None = None,
) -> list[ForcedWord] | None:
    """Times for ``words`` inside [start, end] seconds, or None if they cannot be placed."""
    end = min(end, start + SETTINGS.window_seconds)
    if end - start < 0.1 or not words:
        return None
    tokenizer = make_tokenizer(model, language)
    word_tokens = [tokenizer.encode(" " + w) for w in words]
    tokens = [t for group in word_tokens for t in group]
    if len(tokens) > MAX_TEXT_TOKENS:
        return None
    audio = to_float32(pcm.span(start, end))
    mel, frames = whisper_api.features(model, audio)
    encoder_output = whisper_api.encode(model, mel[None])
    text_indices, time_indices, probabilities = whisper_api.forced_alignment(
        model, encoder_output, list(tokenizer.sot_sequence), tokens, frames
    )
    jumps = np.pad(np.diff(text_indices), (1, 0), constant_values=1).astype(bool)
    jump_times = time_indices[jumps] / whisper_api.tokens_per_second(model)
    placed = []
    first = 0
    for position, group in enumerate(word_tokens):
        last = first + len(group)
        word_start = float(jump_times[min(first, len(jump_times) - 1)])
        word_end = float(jump_times[min(last, len(jump_times) - 1)])
        # The alignment stretches the first and last words over any silence or
        # music at the edges of the stretch; a spoken word is rarely this long.
        if position == 0:
            word_start = max(word_start, word_end - SETTINGS.max_edge_word_seconds)
        if position == len(word_tokens) - 1:
            word_end = min(word_end, word_start + SETTINGS.max_edge_word_seconds)
        placed.append(
            ForcedWord(
                start=round(start + word_start, 3),
                end=round(start + max(word_end, word_start + 0.02), 3),
                probability=float(probabilities[first:last].mean()) if last > first else 0.0,
            )
        )
        first = last
    return placed
