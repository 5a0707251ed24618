"""The Whisper pass: what is said in each window, word by word, with times.

Windows go through the encoder in batches, are decoded greedily without
timestamp tokens (the cheapest decode Whisper has), and get word times from
the cross-attention alignment of the decoded tokens. Encoder outputs are
dropped batch by batch, so memory does not grow with the episode.

Batches run in parallel, one per model worker with one thread each: for a
model as small as tiny, that keeps every core busy where one batch spread
over all cores spends a third of its time synchronising threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from faster_whisper import WhisperModel
from faster_whisper.audio import pad_or_trim
from faster_whisper.tokenizer import Tokenizer
from faster_whisper.transcribe import get_suppressed_tokens

from aligner.windows import Window
from audio import SAMPLE_RATE, to_float32

# Each window in a batch holds ~55 MB of encoder attention scores while it runs.
BATCH_SIZE = 2
MAX_TOKENS = 224
MAX_FIRST_WORD_SECONDS = 0.6


@dataclass(frozen=True)
class RecognisedWord:
    text: str
    start: float
    end: float
    probability: float


def recognise(
    model: WhisperModel,
    samples: np.ndarray,
    windows: Sequence[Window],
    language: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[RecognisedWord]:
    """Words Whisper hears in ``windows`` of the 16 kHz int16 ``samples``, in time order."""
    tokenizer = make_tokenizer(model, language)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    suppress = get_suppressed_tokens(tokenizer, [-1])
    batches = [windows[i : i + BATCH_SIZE] for i in range(0, len(windows), BATCH_SIZE)]
    done = 0
    lock = threading.Lock()

    def run(batch: Sequence[Window]) -> list[RecognisedWord]:
        nonlocal done
        words = _recognise_batch(model, tokenizer, prompt, suppress, samples, batch)
        with lock:
            done += len(batch)
            if progress:
                progress(done / len(windows))
        return words

    with ThreadPoolExecutor(max_workers=model.model.num_workers) as pool:
        return [word for words in pool.map(run, batches) for word in words]


def make_tokenizer(model: WhisperModel, language: str | None) -> Tokenizer:
    return Tokenizer(
        model.hf_tokenizer,
        model.model.is_multilingual,
        task="transcribe",
        language=language or "en",
    )


def _recognise_batch(
    model: WhisperModel,
    tokenizer: Tokenizer,
    prompt: list[int],
    suppress: list[int],
    samples: np.ndarray,
    batch: Sequence[Window],
) -> list[RecognisedWord]:
    features, frames = [], []
    for window in batch:
        audio = to_float32(samples[int(window.start * SAMPLE_RATE) : int(window.end * SAMPLE_RATE)])
        mel = model.feature_extractor(audio)
        frames.append(min(mel.shape[-1], model.feature_extractor.nb_max_frames))
        features.append(pad_or_trim(mel))
    encoder_output = model.encode(np.stack(features))
    results = model.model.generate(
        encoder_output,
        [prompt] * len(batch),
        beam_size=1,
        max_length=MAX_TOKENS,
        suppress_blank=True,
        suppress_tokens=suppress,
    )
    tokens = [[t for t in r.sequences_ids[0] if t < tokenizer.eot] for r in results]
    alignments = model.find_alignment(tokenizer, tokens, encoder_output, frames)
    words = []
    for window, aligned in zip(batch, alignments, strict=True):
        for position, word in enumerate(aligned):
            text = word["word"].strip()
            if not text:
                continue
            start, end = float(word["start"]), float(word["end"])
            if position == 0:
                # Cross-attention pins a window's first word to the window start
                # when music or silence opens the window; cap its length instead.
                start = max(start, end - MAX_FIRST_WORD_SECONDS)
            words.append(
                RecognisedWord(
                    text=text,
                    start=round(window.start + start, 3),
                    end=round(window.start + end, 3),
                    probability=float(word["probability"]),
                )
            )
    return words
