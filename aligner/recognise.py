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
from faster_whisper.tokenizer import Tokenizer
from podalign.aligner import whisper_api
from podalign.aligner.settings import SETTINGS
from podalign.aligner.speech import speech_share
from podalign.aligner.whisper_api import make_tokenizer
from podalign.aligner.windows import Window
from podalign.audio import PcmFile, to_float32

MAX_TOKENS = 224


@dataclass(frozen=True)
class RecognisedWord:
    text: str
    start: float
    end: float
    probability: float


def recognise(
    model: WhisperModel,
    pcm: PcmFile,
    windows: Sequence[Window],
    language: str | None = None,
    progress: Callable[[float], None] | None = None,
) -> list[RecognisedWord]:
    """Words Whisper hears in ``windows`` of ``pcm``, in time order.

    Whisper often stops decoding at a pause and drops the rest of its window;
    the speech after the last word it heard is listened to again, from there.
    """
    tokenizer = make_tokenizer(model, language)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    suppress = whisper_api.suppressed_tokens(tokenizer)

    def listen(batch: Sequence[Window]) -> list[list[RecognisedWord]]:
        return _recognise_batch(model, tokenizer, prompt, suppress, pcm, batch)

    heard = _in_parallel(model, listen, windows, progress)
    words = [word for per_window in heard for word in per_window]
    for _ in range(SETTINGS.follow_up_rounds):
        tails = [_unheard_tail(pcm, w, ws) for w, ws in zip(windows, heard, strict=True)]
        windows = [tail for tail in tails if tail is not None]
        if not windows:
            break
        heard = _in_parallel(model, listen, windows, None)
        words += [word for per_window in heard for word in per_window]
    return sorted(words, key=lambda w: w.start)


def _in_parallel(
    model: WhisperModel,
    listen: Callable[[Sequence[Window]], list[list[RecognisedWord]]],
    windows: Sequence[Window],
    progress: Callable[[float], None] | None,
) -> list[list[RecognisedWord]]:
    """Batches of windows spread over the model's workers; words per window, in order."""
    batches = [
        windows[i : i + SETTINGS.batch_size] for i in range(0, len(windows), SETTINGS.batch_size)
    ]
    done = 0
    lock = threading.Lock()

    def run(batch: Sequence[Window]) -> list[list[RecognisedWord]]:
        nonlocal done
        heard = listen(batch)
        with lock:
            done += len(batch)
            if progress:
                progress(done / len(windows))
        return heard

    with ThreadPoolExecutor(max_workers=whisper_api.worker_count(model)) as pool:
        return [per_window for heard in pool.map(run, batches) for per_window in heard]


def _unheard_tail(pcm: PcmFile, window: Window, heard: list[RecognisedWord]) -> Window | None:
    """The end of a window after its last heard word, when that stretch holds speech."""
    spoken = [w for w in heard if any(c.isalnum() for c in w.text)]
    if not spoken:
        return None
    # The last word, not a trailing full stop: that token often swallows the pause.
    start = spoken[-1].end
    if window.end - start < SETTINGS.follow_up_seconds:
        return None
    if speech_share(pcm, start, window.end) < SETTINGS.follow_up_speech_share:
        return None
    return Window(max(window.start, start - SETTINGS.window_lead_seconds), window.end)


def _recognise_batch(
    model: WhisperModel,
    tokenizer: Tokenizer,
    prompt: list[int],
    suppress: list[int],
    pcm: PcmFile,
    batch: Sequence[Window],
) -> list[list[RecognisedWord]]:
    features, frames = [], []
    for window in batch:
        audio = to_float32(pcm.span(window.start, window.end))
        mel, length = whisper_api.features(model, audio)
        frames.append(length)
        features.append(mel)
    encoder_output = whisper_api.encode(model, np.stack(features))
    decoded = whisper_api.generate_greedy(
        model, encoder_output, [prompt] * len(batch), MAX_TOKENS, suppress
    )
    tokens = [[t for t in sequence if t < tokenizer.eot] for sequence in decoded]
    alignments = whisper_api.word_alignments(model, tokenizer, tokens, encoder_output, frames)
    heard = []
    for window, aligned in zip(batch, alignments, strict=True):
        words: list[RecognisedWord] = []
        heard.append(words)
        for position, word in enumerate(aligned):
            text = word["word"].strip()
            if not text:
                continue
            start, end = float(word["start"]), float(word["end"])
            if position == 0:
                # Cross-attention pins a window's first word to the window start
                # when music or silence opens the window; cap its length instead.
                start = max(start, end - SETTINGS.max_first_word_seconds)
            words.append(
                RecognisedWord(
                    text=text,
                    start=round(window.start + start, 3),
                    end=round(window.start + end, 3),
                    probability=float(word["probability"]),
                )
            )
    return heard
