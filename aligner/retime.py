"""Re-timing one edited turn from the cached recognition, in a fraction of a second.

An edited turn stays where it is in the audio: its new words are paired with
the words Whisper heard in the turn's own stretch (plus a margin, never into
its neighbours), with the same matching the full alignment uses. Words that
did not change keep their times. A turn with no times at all (inserted, or
not found before) is looked for in the gap between its timed neighbours, and
judged found or not as the full alignment judges turns.
"""

from __future__ import annotations

import bisect
import copy
import threading
from dataclasses import dataclass
from pathlib import Path

from podalign.aligner.cache import RecognitionCache
from podalign.aligner.matching import match_words
from podalign.aligner.models import model_id
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.refine import clamp_long_words
from podalign.aligner.settings import SETTINGS
from podalign.aligner.timing import fill_untimed_words, time_transcript
from podalign.transcripts.model import Transcript, Turn, TurnStatus

# Recognitions kept in memory, so a run of edits to one episode reads its cache entry once.
KEPT_RECOGNITIONS = 4
_LOADED: dict[tuple[Path, str], Heard] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Heard:
    """The recognised words of one audio file, ready to be searched by time."""

    words: list[RecognisedWord]
    starts: list[float]
    duration: float

    def between(self, start: float, end: float) -> list[RecognisedWord]:
        return self.words[
            bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)
        ]


def cached_recognition(audio_path: Path, model: str, cache_dir: Path) -> Heard | None:
    """What the alignment heard in ``audio_path``, or None if it is not in the cache.

    Jobs align with the language left to the model, so that is the entry looked up.
    """
    key = RecognitionCache(cache_dir).key(audio_path, model_id(model), None)
    with _LOCK:
        found = _LOADED.get((cache_dir, key))
    if found is None:
        recognition = RecognitionCache(cache_dir).load(key)
        if recognition is None:
            return None
        words = clamp_long_words(recognition.words)
        found = Heard(words, [w.start for w in words], recognition.duration)
        with _LOCK:
            _LOADED[(cache_dir, key)] = found
            while len(_LOADED) > KEPT_RECOGNITIONS:
                _LOADED.pop(next(iter(_LOADED)))
    return found


def retime_turn(transcript: Transcript, index: int, heard: Heard | None) -> None:
    """Give the turn's untimed spoken words times, in place; other turns are not touched."""
    turn = transcript.turns[index]
    manual = turn.status == TurnStatus.MANUAL and turn.is_timed
    lo, hi = _room(transcript, index, heard.duration if heard else None)
    nearby = heard.between(lo, hi) if heard and hi > lo else []
    if any(w.spoken and w.start is not None for w in turn.words):
        _time_new_words(turn, nearby)
    elif heard is not None:
        _find(turn, nearby, heard.duration)
    for word in turn.words:
        if word.start is not None and word.end is not None:
            word.start = min(max(word.start, lo), hi)
            word.end = min(max(word.end, word.start), hi)
    if manual:
        turn.status = TurnStatus.MANUAL
        if not any(w.spoken and w.start is not None for w in turn.words):
            _spread(turn, lo, hi)
        return
    timed = [(w.start, w.end) for w in turn.words if w.spoken and w.start is not None]
    if timed:
        turn.start, turn.end = timed[0][0], max(timed[0][0], timed[-1][1] or 0.0)
    else:
        turn.start = turn.end = None
        turn.status = TurnStatus.NOT_FOUND


def _room(transcript: Transcript, index: int, duration: float | None) -> tuple[float, float]:
    """Where the turn's words may be: its own span and a margin, between its neighbours.

    A hand-timed turn keeps to its hand-set span; a turn without times may be
    anywhere between the turns before and after it.
    """
    turn = transcript.turns[index]
    if turn.status == TurnStatus.MANUAL and turn.start is not None and turn.end is not None:
        return turn.start, turn.end
    before = [t.end for t in transcript.turns[:index] if t.end is not None]
    after = [t.start for t in transcript.turns[index + 1 :] if t.start is not None]
    lo = before[-1] if before else 0.0
    end = duration if duration is not None else float("inf")
    hi = after[0] if after else end
    if turn.start is not None and turn.end is not None:
        lo = min(max(lo, turn.start - SETTINGS.edit_search_seconds), turn.start)
        hi = max(min(hi, turn.end + SETTINGS.edit_search_seconds), turn.end)
    return lo, hi


def _time_new_words(turn: Turn, heard: list[RecognisedWord]) -> None:
    """Pair the whole turn with what was heard, and take the pairs of its untimed words
    that fall between the timed words around them; place the rest between those."""
    spoken = [w for w in turn.words if w.spoken]
    anchored = [w.start is not None for w in spoken]
    matches = match_words([w.text for w in spoken], heard) if heard else []
    for k, match in enumerate(matches):
        word = spoken[k]
        if anchored[k] or not match.is_matched or match.start is None:
            continue
        previous = next((w for w in reversed(spoken[:k]) if w.start is not None), None)
        following = next((w for i, w in enumerate(spoken) if i > k and anchored[i]), None)
        if previous is not None and previous.start is not None and match.start < previous.start:
            continue
        if following is not None and following.start is not None and match.start > following.start:
            continue
        earliest = previous.start if previous is not None and previous.start is not None else 0.0
        word.start, word.end = (
            max(earliest, match.start - SETTINGS.heard_start_lag_seconds),
            match.end,
        )
    fill_untimed_words(turn)


def _find(turn: Turn, heard: list[RecognisedWord], duration: float) -> None:
    """Align the turn alone against what was heard where it may be, as the full pass would."""
    probe = Transcript([copy.deepcopy(turn)])
    time_transcript(probe, heard, duration)
    found = probe.turns[0]
    for word in found.words:
        if word.start is not None:
            word.start = max(0.0, word.start - SETTINGS.heard_start_lag_seconds)
    turn.words = found.words
    turn.status, turn.confidence = found.status, found.confidence


def _spread(turn: Turn, start: float, end: float) -> None:
    """Words over a hand-set span by their length, when none of them was heard."""
    total = sum(len(w.text) for w in turn.words) or 1
    at = start
    for word in turn.words:
        word.start = round(at, 3)
        at += (end - start) * len(word.text) / total
        word.end = round(at, 3)
