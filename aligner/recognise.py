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

import math
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from itertools import groupby
from typing import TYPE_CHECKING

from podalign.aligner import whisper_api
from podalign.aligner.models import release_free_memory
from podalign.aligner.normalise import normalise_word
from podalign.aligner.settings import SETTINGS
from podalign.aligner.speech import speech_share
from podalign.aligner.whisper_api import make_tokenizer
from podalign.aligner.windows import Window
from podalign.audio import PcmFile, to_float32
from rapidfuzz.distance import Levenshtein

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

MAX_TOKENS = 224
# Log-mel frames per second of audio.
FRAMES_PER_SECOND = 100


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

    Whisper often stops decoding at a pause and drops the rest of its window,
    or jumps over seconds of speech in its middle; such speech is listened to
    again, from where the last word before it was heard.
    """
    tokenizer = make_tokenizer(model, language)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    suppress = whisper_api.suppressed_tokens(tokenizer)

    def listen(batch: Sequence[Window]) -> list[list[RecognisedWord]]:
        return _recognise_batch(model, tokenizer, prompt, suppress, pcm, batch)

    heard = _in_parallel(model, listen, windows, progress)
    words = [word for per_window in heard for word in per_window]
    for _ in range(SETTINGS.follow_up_rounds):
        windows = [
            again
            for window, window_heard in zip(windows, heard, strict=True)
            for again in _to_hear_again(pcm, window, window_heard)
        ]
        if not windows:
            break
        heard = _in_parallel(model, listen, windows, None)
        for window, again in zip(windows, heard, strict=True):
            words = _heard_again(words, window, again)
    release_free_memory()
    return sorted(words, key=lambda w: w.start)


def _to_hear_again(pcm: PcmFile, window: Window, heard: list[RecognisedWord]) -> list[Window]:
    """The stretches of a window to listen to again: where Whisper jumped over speech (each
    such listen runs to the window's end, so it hears the tail too), else the unheard tail."""
    skipped = _skipped(pcm, window, heard)
    if skipped:
        return skipped
    tail = _unheard_tail(pcm, window, heard)
    return [tail] if tail is not None else []


def _heard_again(
    words: list[RecognisedWord], window: Window, again: list[RecognisedWord]
) -> list[RecognisedWord]:
    """A second listen's words in place of the first's over the stretch it heard.

    After a tail that stretch held no words; after a skip, the first listen's
    words in it carry the times of the skip (several words on one moment).
    """
    if not again:
        return words
    lo, hi = window.start + SETTINGS.window_lead_seconds, again[-1].end
    kept = [w if w.end <= lo or w.start >= lo else replace(w, end=lo) for w in words]
    kept = _without_misplaced_copies(kept, lo, hi, again)
    return [w for w in kept if not lo < w.start < hi] + again


def _without_misplaced_copies(
    words: list[RecognisedWord], lo: float, hi: float, again: list[RecognisedWord]
) -> list[RecognisedWord]:
    """``words`` without the first listen's copies of what a second listen over
    [``lo``, ``hi``] opens with.

    Where Whisper lost its place, the first listen stacks words before ``lo``, or
    on it, that are said later; the second listen hears them where they are said.
    A few words in the same order on both sides of ``lo`` are one reading, not two.
    """
    spoken_again = [text for text in map(_comparable, again) if text]
    if not spoken_again:
        return words
    # The stacked copies lie in the window the second listen is part of.
    earliest = lo - SETTINGS.window_seconds
    before = sorted((w for w in words if earliest <= w.start < hi), key=lambda w: w.start)
    spoken_before = [(w.start, text) for w in before if (text := _comparable(w))]
    spoken_before = spoken_before[-len(spoken_again) :]
    texts_before = [text for _, text in spoken_before]
    best, copied = SETTINGS.copy_similarity, 0
    for count in range(SETTINGS.copy_min_words, len(spoken_before) + 1):
        similarity = Levenshtein.normalized_similarity(texts_before[-count:], spoken_again[:count])
        if similarity >= best:
            best, copied = similarity, count
    if not copied:
        return words
    first = spoken_before[-copied][0]
    return [w for w in words if not first <= w.start < hi]


def _comparable(word: RecognisedWord) -> str:
    return " ".join(normalise_word(word.text))


def _skipped(pcm: PcmFile, window: Window, heard: list[RecognisedWord]) -> list[Window]:
    """Stretches of speech inside a window that Whisper jumped over, each to listen to again.

    Whisper sometimes leaves out seconds of speech in the middle of a window:
    two heard words stand seconds apart with speech between them, or one word
    is stretched over the whole jump ("the" lasting 19 s). The second listen
    starts where the word before the jump could at most have ended and runs
    to the window's end; a later jump inside that stretch is heard with it.
    """
    longest = 2 * SETTINGS.longest_typical_word_seconds
    spoken = [w for w in heard if any(c.isalnum() for c in w.text)]
    found: list[Window] = []
    for at, (before, after) in enumerate(zip(spoken, spoken[1:], strict=False), start=1):
        said_by = min(before.end, before.start + longest)
        if found and said_by < found[-1].end:
            continue
        if after.start - said_by < SETTINGS.follow_up_seconds:
            continue
        if not _holds_unheard_speech(pcm, said_by, after.start, spoken[:at]):
            continue
        start = max(window.start, said_by - SETTINGS.window_lead_seconds)
        found.append(Window(start, window.end))
    return found


def _in_parallel(
    model: WhisperModel,
    listen: Callable[[Sequence[Window]], list[list[RecognisedWord]]],
    windows: Sequence[Window],
    progress: Callable[[float], None] | None,
) -> list[list[RecognisedWord]]:
    """Batches of windows spread over the model's workers; words per window, in order."""
    batches = _batches(windows)
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


def _batches(windows: Sequence[Window]) -> list[Sequence[Window]]:
    """Consecutive windows heard in the same context, at most ``batch_size`` to a batch.

    A batch goes through the decoder as one, so its windows share one input
    length; a second listen batched with a full window would be heard in 30 s
    instead of its own shorter context, and heard differently.
    """
    batches: list[Sequence[Window]] = []
    size = SETTINGS.batch_size
    for _, same in groupby(windows, key=lambda window: _context_frames(window.end - window.start)):
        group = list(same)
        batches += [group[i : i + size] for i in range(0, len(group), size)]
    return batches


def _unheard_tail(pcm: PcmFile, window: Window, heard: list[RecognisedWord]) -> Window | None:
    """The end of a window after its last heard word, when that stretch holds speech."""
    spoken = [w for w in heard if any(c.isalnum() for c in w.text)]
    if not spoken:
        return None
    # The last word, not a trailing full stop: that token often swallows the pause.
    start = spoken[-1].end
    if window.end - start < SETTINGS.follow_up_seconds:
        return None
    if not _holds_unheard_speech(pcm, start, window.end, spoken):
        return None
    return Window(max(window.start, start - SETTINGS.window_lead_seconds), window.end)


def _holds_unheard_speech(
    pcm: PcmFile, start: float, end: float, heard_before: list[RecognisedWord]
) -> bool:
    """Whether [start, end] holds speech Whisper has not written down.

    Mostly speech, it does. Mostly music or silence, it does only when the words
    Whisper heard before it are stacked on one moment: Whisper lost its place
    (often in a window that opens with a long jingle), and the words it stacked
    are said later, in the speech of this stretch.
    """
    share = speech_share(pcm, start, end)
    if share >= SETTINGS.follow_up_speech_share:
        return True
    return _stacked(heard_before) and share * (end - start) >= SETTINGS.lost_place_speech_seconds


def _stacked(spoken: list[RecognisedWord]) -> bool:
    """Whether the last few spoken words all start on one moment."""
    last = spoken[-SETTINGS.stacked_words :]
    return (
        len(last) == SETTINGS.stacked_words
        and last[-1].start - last[0].start <= SETTINGS.stacked_seconds
    )


def _context_frames(seconds: float) -> int | None:
    """How many frames the encoder hears for a window this long: a short one (a second
    listen) is heard alone with a little silence after it, not padded to 30 s."""
    step = SETTINGS.short_window_step_seconds
    padded = step * math.ceil((seconds + SETTINGS.short_window_padding_seconds) / step)
    if seconds >= SETTINGS.short_window_seconds or padded >= SETTINGS.window_seconds:
        return None
    return round(padded * FRAMES_PER_SECOND)


def _recognise_batch(
    model: WhisperModel,
    tokenizer: Tokenizer,
    prompt: list[int],
    suppress: list[int],
    pcm: PcmFile,
    batch: Sequence[Window],
) -> list[list[RecognisedWord]]:
    features, frames = [], []
    context = _context_frames(batch[0].end - batch[0].start)
    for window in batch:
        audio = to_float32(pcm.span(window.start, window.end))
        mel, length = whisper_api.features(model, audio, context)
        frames.append(length)
        features.append(mel)
    encoder_outputs = whisper_api.encode_each(model, features)
    decoded = whisper_api.generate_greedy(
        model, whisper_api.as_batch(encoder_outputs), [prompt] * len(batch), MAX_TOKENS, suppress
    )
    tokens = [[t for t in sequence if t < tokenizer.eot] for sequence in decoded]
    # Window by window: aligning a batch holds every window's logits at once.
    alignments = [
        whisper_api.word_alignments(model, tokenizer, [text], output, [length])[0]
        for text, output, length in zip(tokens, encoder_outputs, frames, strict=True)
    ]
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
