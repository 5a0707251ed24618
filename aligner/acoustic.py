"""Phone-level forced alignment of known words inside a stretch of audio, with pocketsphinx.

Whisper's cross-attention gives word times good to a tenth of a second or
two; an HMM aligner that knows the words and their phones finds each
word's onset to within a frame or two of 10 ms. It only works when the
words are all there: text missing from the audio leaves no path through
the grammar, and the stretch is reported as not aligned.

pocketsphinx holds the GIL while it decodes, so stretches are spread over
worker processes, each with its own decoder and dictionary.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from podalign.aligner.pronounce import entries
from podalign.audio import SAMPLE_RATE, PcmFile

if TYPE_CHECKING:
    from pocketsphinx import Decoder

FRAMES_PER_SECOND = 100
# A word this many frames or fewer from a stretch's edge is taken to be pinned to it
# (pocketsphinx counts one or two frames fewer than the samples hold).
EDGE_FRAMES = 2
# Chunks of stretches per message to a worker: fewer round trips, still balanced.
CHUNK_SIZE = 4
# prctl(2) option: the signal a process gets when its parent dies.
PR_SET_PDEATHSIG = 1
# Entries the aligner may put between words: silence and breath or lip noise.
FILLER_ENTRIES = ("<sil>", "<s>", "</s>", "[NOISE]", "[SPEECH]")


@dataclass(frozen=True)
class Search:
    """A pocketsphinx decoder's settings: how many frames it steps over (ds), and how
    unlikely a path it keeps (beam and pbeam for states and phones, wbeam for words)."""

    frame_step: int
    beam: float = 1e-48
    word_beam: float = 7e-29


# The searches tried in turn. Frames taken in pairs halve the work and place words as well
# on speech, but find no path more often on fast speech; there every frame is looked at
# again, and paths pocketsphinx's default beams prune in noise are kept.
SEARCHES = (Search(2), Search(1, beam=1e-80, word_beam=1e-60))


@dataclass(frozen=True)
class Stretch:
    """Audio from ``start`` to ``end`` seconds that should hold ``words``, in order."""

    start: float
    end: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class AcousticWord:
    """Where the aligner put a word, in seconds, and its acoustic score (0..1).

    ``start_found`` is False when the word begins on the stretch's first frame
    and ``end_found`` when it ends on its last: the HMM stretches an edge word
    over whatever noise, music or neighbouring speech the margin holds, so
    that edge marks where the stretch was cut, not where the word is.
    """

    start: float
    end: float
    score: float
    start_found: bool
    end_found: bool


# One aligned stretch: per word, its place (None for a word with nothing to say).
Alignment = list[AcousticWord | None]


class AcousticAligner:
    """One pocketsphinx decoder with the bundled US English model, grammar set per stretch."""

    def __init__(self) -> None:
        self._decoders: dict[Search, Decoder] = {}

    def align(self, audio: np.ndarray, start: float, words: Sequence[str]) -> Alignment | None:
        """Times for ``words`` said in the int16 ``audio`` that begins at ``start`` seconds.

        None when the words cannot all be found in the audio.
        """
        for search in SEARCHES:
            placed = self._align(self._decoder(search), audio, start, words)
            if placed is not None:
                return placed
        return None

    def _decoder(self, search: Search) -> Decoder:
        """The decoder for ``search``, made on first use.

        Each one loads the acoustic model and the dictionary (0.2 s); a cached
        realignment that aligns a few edited pieces may never need the second.
        """
        if search not in self._decoders:
            from pocketsphinx import Decoder

            # No language model: each stretch gets a grammar of exactly its words.
            self._decoders[search] = Decoder(
                samprate=SAMPLE_RATE,
                lm=None,
                bestpath=False,
                ds=search.frame_step,
                beam=search.beam,
                pbeam=search.beam,
                wbeam=search.word_beam,
                logfn=os.devnull,
            )
        return self._decoders[search]

    def _align(
        self, decoder: Decoder, audio: np.ndarray, start: float, words: Sequence[str]
    ) -> Alignment | None:
        owners: list[int] = []
        names: list[str] = []
        for position, word in enumerate(words):
            for entry in entries(word, decoder.lookup_word):
                if entry.phones is not None and decoder.lookup_word(entry.name) is None:
                    decoder.add_word(entry.name, entry.phones, True)
                names.append(entry.name)
                owners.append(position)
        if not names:
            return None
        decoder.set_align_text(" ".join(names))
        # The model has pocketsphinx estimate the noise floor as it goes and carry it
        # from one utterance to the next; started afresh, a stretch aligns the same
        # whichever stretches its worker happened to align before it.
        decoder.reinit_feat()
        decoder.start_utt()
        decoder.process_raw(audio.tobytes(), full_utt=True)
        decoder.end_utt()
        segments = [s for s in decoder.seg() or [] if s.word not in FILLER_ENTRIES]
        if decoder.hyp() is None or len(segments) != len(names):
            return None
        last_frame = len(audio) * FRAMES_PER_SECOND // SAMPLE_RATE - 1
        placed: Alignment = [None] * len(words)
        for owner, segment in zip(owners, segments, strict=True):
            begin = start + segment.start_frame / FRAMES_PER_SECOND
            end = start + (segment.end_frame + 1) / FRAMES_PER_SECOND
            end_found = segment.end_frame < last_frame - EDGE_FRAMES
            previous = placed[owner]
            if previous is None:
                placed[owner] = AcousticWord(
                    round(begin, 3),
                    round(end, 3),
                    segment.ascore,
                    start_found=segment.start_frame > EDGE_FRAMES,
                    end_found=end_found,
                )
            else:
                placed[owner] = replace(
                    previous,
                    end=round(end, 3),
                    score=min(previous.score, segment.ascore),
                    end_found=end_found,
                )
        return placed


class AcousticPool:
    """Worker processes that align stretches, forked when the pool is made.

    Made before the episode is decoded and Whisper loaded, the workers start
    small: a fork made later would carry the whole decoded episode and model.
    """

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None
        if self.workers > 1:
            context = multiprocessing.get_context("fork")
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(),),
            )
            # The first task makes the executor fork all of its workers.
            self._pool.submit(int)

    def __enter__(self) -> AcousticPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def align(self, pcm: PcmFile, stretches: Sequence[Stretch]) -> list[Alignment | None]:
        """Align every stretch of the decoded audio; None where one cannot be.

        Each stretch's samples are read from the file where it is aligned, so
        the episode's samples are never all in memory waiting to be sent.
        """
        if self._pool is None:
            aligner = AcousticAligner()
            return [aligner.align(pcm.span(s.start, s.end), s.start, s.words) for s in stretches]
        jobs = [(pcm, stretch) for stretch in stretches]
        return list(self._pool.map(_align_in_worker, jobs, chunksize=CHUNK_SIZE))


def kill_workers() -> None:
    """Kill this process's acoustic workers at once, stuck or not.

    concurrent.futures joins every pool's workers when the interpreter exits,
    so one worker that hangs (or was stopped) keeps a shutting-down server
    alive for ever; nothing a worker is doing then is worth waiting for. The
    acoustic pools are the only multiprocessing children podalign makes.
    """
    for child in multiprocessing.active_children():
        child.kill()


_worker: AcousticAligner | None = None


def _start_worker(parent: int) -> None:
    global _worker
    _die_with_parent(parent)
    _worker = AcousticAligner()


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when the process that forked it dies.

    A worker holds its own task queue open, so it never sees the queue close:
    after a SIGKILL of the server (or an out-of-memory kill) it would wait on
    that queue for ever. Linux only; elsewhere the workers end with the pool.
    """
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _align_in_worker(job: tuple[PcmFile, Stretch]) -> Alignment | None:
    assert _worker is not None
    pcm, stretch = job
    return _worker.align(pcm.span(stretch.start, stretch.end), stretch.start, stretch.words)
