"""align_transcript: audio + transcript in, timed transcript out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from podalign.aligner import trace, whisper_api
from podalign.aligner.acoustic import AcousticPool, Alignment, Stretch
from podalign.aligner.boundaries import pull_stretched_openings, reexamine_boundaries
from podalign.aligner.cache import Recognition, RecognitionCache, SecondListens
from podalign.aligner.edited import align_from_earlier, earlier_piece
from podalign.aligner.errors import AlignmentError
from podalign.aligner.matching import heard_before
from podalign.aligner.models import DEFAULT_MODEL, default_cache_dir, load_model, model_id
from podalign.aligner.plausibility import mark_implausible_turns
from podalign.aligner.precise import sharpen_words
from podalign.aligner.recognise import RecognisedWord, recognise
from podalign.aligner.refine import clamp_long_words, refine_turn_edges
from podalign.aligner.rescue import Rescuer
from podalign.aligner.settings import SETTINGS
from podalign.aligner.speech import speech_share
from podalign.aligner.timing import time_transcript
from podalign.aligner.windows import Window, plan_windows
from podalign.audio import Decoded, DecodedStore, PcmFile, to_float32
from podalign.transcripts.model import Transcript, TurnStatus
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

Progress = Callable[[str, float], None]
# Shares of the whole run each stage takes, for one progress figure across stages.
STAGES = {"decoding": (0.0, 0.05), "recognising": (0.05, 0.95), "aligning": (0.95, 1.0)}
# The acoustic model knows US English; None is an English-only Whisper model.
ACOUSTIC_LANGUAGES = (None, "en")


def align_transcript(
    audio_path: Path | str,
    transcript: Transcript,
    *,
    model: str = DEFAULT_MODEL,
    language: str | None = None,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> Transcript:
    """Return a copy of ``transcript`` with every turn and word timed against the audio."""
    # numpy's BLAS threads spin on both cores for a while after each of the mel
    # filterbank's small products, taking 8 of seed-full's CPU seconds from
    # Whisper's workers, which already keep every core busy (benchmarks/PERF.md).
    with AcousticPool() as acoustic, threadpool_limits(limits=1, user_api="blas"):
        return _align(audio_path, transcript, model, language, cache_dir, progress, acoustic)


def _align(
    audio_path: Path | str,
    transcript: Transcript,
    model: str,
    language: str | None,
    cache_dir: Path | None,
    progress: Progress | None,
    acoustic: AcousticPool,
) -> Transcript:
    audio_path = Path(audio_path)
    report = _staged(progress)
    if not any(w.spoken for t in transcript.turns for w in t.words):
        raise AlignmentError("the transcript has no spoken words to align")
    cache_dir = cache_dir or default_cache_dir()
    audio = _StoredAudio(audio_path, DecodedStore(cache_dir))
    cache = RecognitionCache(cache_dir)
    key = cache.key(audio_path, model_id(model), language)
    recognition = _recognition(audio, model, language, cache_dir, cache, key, report)
    heard, envelope, duration, language = recognition
    report("aligning", 0.0)
    timed = transcript.copy()

    second_listens = cache.second_listens(key)
    rescue = Rescuer(lambda: load_model(model, cache_dir), audio.pcm, language, second_listens)
    heard = clamp_long_words(heard)
    guessed = time_transcript(timed, heard, duration, rescue)
    second_listens.save()
    _check_belongs(timed, heard, duration)
    trace.stage_done("matching", timed)
    if language in ACOUSTIC_LANGUAGES:
        # A piece is cut into sentences where it finds no path; a boundary is not.
        pieces = _remembered(acoustic, audio, second_listens, failed_before_fails=True)
        boundaries = _remembered(acoustic, audio, second_listens, failed_before_fails=False)
        sharpen_words(timed, duration, pieces, guessed, _left_out(timed, heard))
        reexamine_boundaries(timed, duration, boundaries)
        pull_stretched_openings(timed)
        second_listens.save()
        trace.stage_done("acoustic", timed)
    refine_turn_edges(
        timed,
        envelope,
        heard,
        lambda start, end: (
            speech_share(
                audio.pcm(),
                start,
                end,
                second_listens.speech_map,
                SETTINGS.claim_speech_contexts_seconds,
            )
            >= SETTINGS.speech_share
        ),
    )
    second_listens.save()
    trace.stage_done("edges", timed)
    mark_implausible_turns(timed)
    trace.stage_done("plausibility", timed)
    report("aligning", 1.0)
    return timed


def _left_out(transcript: Transcript, heard: Sequence[RecognisedWord]) -> dict[int, list[str]]:
    """What Whisper heard right before each timed word that the transcript left out, by
    word id."""
    words = [
        w for t in transcript.turns if t.status != TurnStatus.NOT_FOUND for w in t.words if w.spoken
    ]
    return {
        id(words[at]): extra for at, extra in heard_before([w.text for w in words], heard).items()
    }


def _remembered(
    acoustic: AcousticPool,
    audio: _StoredAudio,
    second_listens: SecondListens,
    failed_before_fails: bool,
) -> Callable[[Sequence[Stretch]], list[Alignment | None]]:
    """The acoustic aligner, asked only about stretches it has not aligned on this audio,
    and about an edited piece only around its edits; with ``failed_before_fails``, not
    about an edited piece that found no path before its edit."""

    def align(stretches: Sequence[Stretch]) -> list[Alignment | None]:
        keys = [second_listens.forced_key(s.start, s.end, s.words) for s in stretches]
        known = second_listens.acoustic
        missing = [s for k, s in zip(keys, stretches, strict=True) if k not in known]
        if missing:
            aligned = align_from_earlier(
                missing,
                lambda stretch: earlier_piece(
                    stretch, second_listens.acoustic_pieces(failed=failed_before_fails)
                ),
                lambda asked: acoustic.align(audio.pcm(), asked),
            )
            for stretch, alignment in zip(missing, aligned, strict=True):
                second_listens.remember_acoustic(stretch, alignment)
        return [second_listens.acoustic[k] for k in keys]

    return align


class _StoredAudio:
    """The decoded audio, decoded on first need: a cached realignment may need none."""

    def __init__(self, path: Path, store: DecodedStore) -> None:
        self.path = path
        self.store = store
        self._decoded: Decoded | None = None

    def decoded(self, progress: Callable[[float], None] | None = None) -> Decoded:
        if self._decoded is None:
            self._decoded = self.store.get(self.path, progress=progress)
        return self._decoded

    def pcm(self) -> PcmFile:
        return self.decoded().pcm


def _recognition(
    audio: _StoredAudio,
    model: str,
    language: str | None,
    cache_dir: Path,
    cache: RecognitionCache,
    key: str,
    report: Progress,
) -> Recognition:
    audio_path = audio.path
    cached = cache.load(key)
    if cached is not None:
        report("recognising", 1.0)
        return cached
    report("decoding", 0.0)
    # The model loads (a second of CPU) on the core the decoding leaves free.
    with ThreadPoolExecutor(max_workers=1) as loader:
        loading = loader.submit(load_model, model, cache_dir)
        decoded = audio.decoded(lambda f: report("decoding", f))
        whisper = loading.result()
    pcm, envelope = decoded.pcm, decoded.envelope
    if len(envelope.db) == 0 or float(np.max(envelope.db)) < SETTINGS.silent_db:
        raise AlignmentError(f"{audio_path.name}: the audio is silent")
    windows = plan_windows(envelope)
    if language is not None and language not in whisper.supported_languages:
        known = ", ".join(sorted(whisper.supported_languages))
        raise AlignmentError(f"the model {model!r} does not know language {language!r} ({known})")
    if language is None and whisper_api.is_multilingual(whisper):
        language = _spoken_language(whisper, pcm, windows)
    report("recognising", 0.0)
    heard = recognise(whisper, pcm, windows, language, lambda f: report("recognising", f))
    if not heard:
        raise AlignmentError(f"{audio_path.name}: no speech was recognised in the audio")
    recognition = Recognition(heard, envelope, pcm.duration, language)
    cache.store(key, recognition)
    return recognition


def _spoken_language(whisper: WhisperModel, pcm: PcmFile, windows: list[Window]) -> str:
    """The language Whisper hears in the first windows, for a multilingual model."""
    first = windows[: SETTINGS.language_windows]
    audio = np.concatenate([to_float32(pcm.span(w.start, w.end)) for w in first])
    language, _, _ = whisper.detect_language(audio, language_detection_segments=len(first))
    return language


def _check_belongs(timed: Transcript, heard: list[RecognisedWord], duration: float) -> None:
    """Refuse a transcript of other audio rather than return times made of noise."""
    spoken = [t for t in timed.turns if any(w.spoken for w in t.words)]
    found = [t for t in spoken if t.status != TurnStatus.NOT_FOUND]
    share = len(found) / len(spoken)
    if share < SETTINGS.min_found_share or not found:
        raise AlignmentError(
            f"the transcript does not seem to belong to this audio: only {len(found)} of "
            f"{len(spoken)} turns ({share:.0%}) were found in {duration / 60:.1f} minutes "
            f"of audio with {len(heard)} recognised words"
        )


def _staged(progress: Progress | None) -> Progress:
    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            lo, hi = STAGES[stage]
            progress(stage, lo + (hi - lo) * max(0.0, min(1.0, fraction)))

    return report
