"""The precision stage: each found turn's words forced-aligned at the phone level.

After the text matching every found turn has a window; the acoustic
aligner places the turn's words inside it, in pieces of whole sentences,
each a little wider than its words. A piece it cannot align whole (text
that is not in the audio, a wrong window) is tried again sentence by
sentence, and a sentence in halves. A word keeps its Whisper time
where the acoustic aligner did not place it or placed it far from where
Whisper heard it: that is a different pairing, not a finer time. A word
Whisper did not hear, whose time was guessed, takes the aligner's. A piece's
first word keeps Whisper's start, and its last word Whisper's end, where the
aligner pinned them to the edge of the stretch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass

from podalign.aligner import trace
from podalign.aligner.acoustic import AcousticWord, Alignment, Stretch
from podalign.aligner.settings import SETTINGS
from podalign.transcripts.model import SENTENCE_END, Transcript, Turn, TurnStatus, Word

# Stretches -> for each, the words' places, or None where it could not be aligned.
Aligner = Callable[[Sequence[Stretch]], list[Alignment | None]]


@dataclass(frozen=True)
class TurnCheck:
    """What the acoustic aligner said about one turn."""

    words: int
    placed: int
    close: int
    moved_start: float

    @property
    def placed_share(self) -> float:
        return self.placed / self.words if self.words else 0.0

    @property
    def close_share(self) -> float:
        return self.close / self.placed if self.placed else 0.0

    @property
    def agreement(self) -> float:
        """0..1: how far the acoustic aligner backs the turn's place.

        A turn paired with the wrong heard words has a window that does not
        hold its text: the aligner finds no path there, or puts the words
        far from where Whisper's pairing had them.
        """
        return self.placed_share * (
            1 - SETTINGS.close_weight + SETTINGS.close_weight * self.close_share
        )


def sharpen_words(
    transcript: Transcript,
    duration: float,
    align: Aligner,
    guessed: Collection[int] = (),
    left_out: Mapping[int, list[str]] | None = None,
) -> dict[int, TurnCheck]:
    """Move found turns' words onto their acoustic times, in place; what was found, by turn.

    ``guessed`` holds the ids of words Whisper did not hear, whose times were
    guessed from their neighbours': inside a turn they take the acoustic time
    wherever the aligner put them. ``left_out`` holds, by word id, what Whisper
    heard right before a word that the transcript left out ("Thank [you], Nell"):
    it is aligned too, so the words around it are not stretched over it.
    """
    turns = [t for t in transcript.turns if is_timed(t)]
    spoken = [spoken_words(t) for t in turns]
    pieces = [(at, piece) for at, words in enumerate(spoken) for piece in _pieces(words)]
    found: list[dict[int, AcousticWord]] = [{} for _ in turns]
    reach = _reaches(turns, spoken)
    todo = pieces
    while todo:
        texts = [_texts(words, left_out or {}) for _, words in todo]
        placed = align(
            [
                _stretch(
                    words, text, duration, reach.get(id(words[0]), SETTINGS.acoustic_margin_seconds)
                )
                for (_, words), (text, _) in zip(todo, texts, strict=True)
            ]
        )
        smaller: list[tuple[int, list[Word]]] = []
        for (position, words), (_, written), alignment in zip(todo, texts, placed, strict=True):
            if alignment is None:
                smaller += [(position, part) for part in _smaller(words)]
            else:
                _collect(found[position], words, [alignment[at] for at in written])
        todo = smaller
    checks = {
        turn.index: _apply(turn, words, places, guessed)
        for turn, words, places in zip(turns, spoken, found, strict=True)
    }
    _align_squeezed_again(turns, spoken, duration, align, left_out or {})
    return checks


def is_squeezed(run: Sequence[Word]) -> bool:
    """Whether ``run`` (one to three timed words) was said faster than anyone speaks:
    squeezed into too little time by a wrong pairing."""
    assert run[0].start is not None and run[-1].end is not None
    per_letter = SETTINGS.fastest_seconds_per_letter[len(run) - 1]
    letters = sum(c.isalpha() for word in run for c in word.text)
    return letters > 0 and run[-1].end - run[0].start < per_letter * letters


def _align_squeezed_again(
    turns: list[Turn],
    spoken: list[list[Word]],
    duration: float,
    align: Aligner,
    left_out: Mapping[int, list[str]],
) -> None:
    """Words still squeezed after the acoustic stage are aligned again in one stretch with
    SETTINGS.split_min_words words either side, and take the places found there.

    Whisper skipped their speech, and the times it gave the words around it put
    them on the wrong side of a piece boundary: no piece's stretch held them,
    so the aligner found no path or crammed them into its edge
    (harbor-histories: "And they did. In 1833 the ship..." in 0.5 s, 3 s late).
    The turn's own start and end are left to the boundary stage.
    """
    runs = [
        (turn, words, span)
        for turn, words in zip(turns, spoken, strict=True)
        for span in _squeezed_spans(words)
    ]
    if not runs:
        return
    texts = [_texts(words[first:last], left_out) for _, words, (first, last) in runs]
    placed = align(
        [
            _stretch(words[first:last], text, duration, SETTINGS.acoustic_margin_seconds)
            for (_, words, (first, last)), (text, _) in zip(runs, texts, strict=True)
        ]
    )
    for (turn, words, (first, last)), (_, written), alignment in zip(
        runs, texts, placed, strict=True
    ):
        if alignment is None:
            continue
        before = [(word.start, word.end) for word in words]
        squeezed_before = len(_squeezed_starts(words[first:last]))
        for word, place in zip(words[first:last], [alignment[at] for at in written], strict=True):
            if place is None:
                continue
            if place.start_found and word is not words[0]:
                word.start = place.start
            if place.end_found and word is not words[-1]:
                word.end = place.end
        _keep_in_order(words)
        # Fast speech is squeezed too ("a it's like" in 0.19 s): there the aligner does
        # no better, and its places are not taken.
        if len(_squeezed_starts(words[first:last])) >= squeezed_before:
            for word, (start, end) in zip(words, before, strict=True):
                word.start, word.end = start, end
            continue
        turn.start, turn.end = words[0].start, words[-1].end
        trace.note(
            turn.index,
            "acoustic",
            f"words {first + 1}-{last} aligned again together",
            why="some of them were squeezed into less time than anyone speaks in: their speech"
            " lay outside the pieces they were aligned in",
        )


def _squeezed_starts(words: list[Word]) -> list[int]:
    """Where a run of three squeezed words begins in ``words``."""
    size = len(SETTINGS.fastest_seconds_per_letter)
    return [at for at in range(len(words) - size + 1) if is_squeezed(words[at : at + size])]


def _squeezed_spans(words: list[Word]) -> list[tuple[int, int]]:
    """Where ``words`` holds squeezed runs of three: (first, last) slices widened by
    SETTINGS.split_min_words on either side, overlapping ones merged."""
    size = len(SETTINGS.fastest_seconds_per_letter)
    spans: list[tuple[int, int]] = []
    for at in _squeezed_starts(words):
        first = max(0, at - SETTINGS.split_min_words)
        last = min(len(words), at + size + SETTINGS.split_min_words)
        if spans and first <= spans[-1][1]:
            spans[-1] = (spans[-1][0], last)
        else:
            spans.append((first, last))
    return spans


def _collect(found: dict[int, AcousticWord], words: list[Word], alignment: Alignment) -> None:
    for word, place in zip(words, alignment, strict=False):
        if place is not None:
            found[id(word)] = place


def _pieces(words: list[Word]) -> list[list[Word]]:
    """Whole sentences gathered until a piece lasts SETTINGS.piece_seconds (by Whisper's
    times); a sentence longer than that is cut at its widest pauses, each part a piece."""
    pieces: list[list[Word]] = []
    for sentence in _sentences(words):
        parts = _cut_at_pauses(sentence)
        if len(parts) == 1 and pieces and _seconds(pieces[-1]) < SETTINGS.piece_seconds:
            pieces[-1] += sentence
        else:
            pieces += parts
    return pieces


def _cut_at_pauses(words: list[Word]) -> list[list[Word]]:
    """``words`` in parts of at most SETTINGS.piece_seconds, cut where Whisper heard the
    longest pause, each part keeping at least SETTINGS.split_min_words.

    Transcripts made by speech recognition run whole minutes without a full
    stop, and one word missing from the audio makes the aligner fail the
    whole piece it is in: an 85-second sentence cost seed-full 3 CPU seconds
    to fail before its halves were tried.
    """
    least = SETTINGS.split_min_words
    if _seconds(words) <= SETTINGS.piece_seconds or len(words) < 2 * least:
        return [words]
    cut = max(range(least, len(words) - least + 1), key=lambda at: _pause_before(words, at))
    return _cut_at_pauses(words[:cut]) + _cut_at_pauses(words[cut:])


def _pause_before(words: list[Word], at: int) -> float:
    before, after = words[at - 1], words[at]
    if before.end is None or after.start is None:
        return 0.0
    return after.start - before.end


def _seconds(words: list[Word]) -> float:
    start = min(w.start for w in words if w.start is not None)
    end = max(w.end for w in words if w.end is not None)
    return end - start


def _apply(
    turn: Turn, words: list[Word], places: dict[int, AcousticWord], guessed: Collection[int]
) -> TurnCheck:
    before = turn.start
    placed = close = 0
    # A guessed time is no pairing to keep; a turn's edge words keep the limits that
    # guard its start and end.
    limits = [math.inf if id(w) in guessed else SETTINGS.agree_seconds for w in words]
    limits[0] = limits[-1] = SETTINGS.agree_seconds
    if len(words) > 1 and _second_word_agrees(words, places):
        limits[0] = SETTINGS.reach_back_seconds
    taken: set[int] = set()
    for word, limit in zip(words, limits, strict=True):
        place = places.get(id(word))
        if place is None or word.start is None:
            continue
        placed += 1
        shift = _shift(word, place)
        close += shift <= SETTINGS.close_seconds
        if shift <= limit:
            word.start = place.start if place.start_found else word.start
            word.end = place.end if place.end_found else word.end
            taken.add(id(word))
    _take_places_out_of_order(words, places, taken)
    _keep_in_order(words)
    turn.start, turn.end = words[0].start, words[-1].end
    moved = abs(turn.start - before) if turn.start is not None and before is not None else 0.0
    check = TurnCheck(len(words), placed, close, moved)
    turn.confidence = (turn.confidence or 0.0) * check.agreement
    trace.note(
        turn.index,
        "acoustic",
        f"{placed} of {len(words)} words placed by the acoustic aligner",
        close=close,
        agreement=check.agreement,
        why=f"words it placed within {SETTINGS.agree_seconds:g} s of Whisper's time take its"
        f" time, the rest keep Whisper's; {close} were within {SETTINGS.close_seconds:g} s,"
        " and the confidence is scaled by that agreement",
    )
    if (
        check.placed >= SETTINGS.disagreement_min_words
        and check.close_share < SETTINGS.min_close_share
    ):
        turn.confidence = min(turn.confidence, SETTINGS.doubtful_confidence)
        trace.note(
            turn.index,
            "acoustic",
            "confidence lowered: check this turn",
            why=f"the acoustic aligner heard only {close} of its {placed} words where Whisper's"
            " pairing put them: the turn was most likely paired with the wrong stretch",
        )
    return check


def _second_word_agrees(words: list[Word], places: dict[int, AcousticWord]) -> bool:
    """Whether the acoustic aligner heard a turn's second word where Whisper did: then the
    pairing holds, and a first word it puts further from Whisper's time than a later one
    may move is Whisper's error (a first word before a pause), not another pairing."""
    place = places.get(id(words[1]))
    return (
        place is not None
        and words[1].start is not None
        and (_shift(words[1], place) <= SETTINGS.close_seconds)
    )


def _shift(word: Word, place: AcousticWord) -> float:
    """How far the acoustic aligner moved a word, by whichever edge it really found."""
    assert word.start is not None and word.end is not None
    if place.start_found or not place.end_found:
        return abs(place.start - word.start)
    return abs(place.end - word.end)


def _take_places_out_of_order(
    words: list[Word], places: dict[int, AcousticWord], taken: Collection[int]
) -> None:
    """A word that kept Whisper's time, far from where the aligner placed it, takes the
    aligner's place after all where Whisper's time falls before the previous word or after
    the next word that took the aligner's: the aligner places words in order, so there
    Whisper's pairing is the error. Kept, it would drag the words after it onto its time
    (harbor-histories had 14 words on one instant, 6.7 s late, behind one such "that")."""
    starts = [w.start if id(w) in taken else None for w in words]
    for at, word in enumerate(words):
        place = places.get(id(word))
        if place is None or not place.start_found or id(word) in taken or word.start is None:
            continue
        before = next((s for s in reversed(starts[:at]) if s is not None), -math.inf)
        after = next((s for s in starts[at + 1 :] if s is not None), math.inf)
        slack = SETTINGS.agree_seconds
        if not before - slack <= word.start <= after + slack and before <= place.start <= after:
            word.start, word.end = place.start, place.end


def _keep_in_order(words: list[Word]) -> None:
    """A word kept at Whisper's time between acoustic ones must not overtake them."""
    latest = 0.0
    for word in words:
        if word.start is None or word.end is None:
            continue
        word.start = max(word.start, latest)
        word.end = max(word.end, word.start)
        latest = word.start


def _smaller(words: list[Word]) -> list[list[Word]]:
    """A piece that could not be aligned, cut to be tried again: into its sentences, a
    single sentence into halves; none once a half would be shorter than
    SETTINGS.split_min_words. Text missing from the audio or a misheard name then
    costs only the part around it its acoustic times."""
    sentences = _sentences(words)
    if len(sentences) > 1:
        return sentences
    if len(words) < 2 * SETTINGS.split_min_words:
        return []
    middle = len(words) // 2
    return [words[:middle], words[middle:]]


def _sentences(words: list[Word]) -> list[list[Word]]:
    sentences: list[list[Word]] = [[]]
    for word in words:
        sentences[-1].append(word)
        if SENTENCE_END.search(word.text):
            sentences.append([])
    return [s for s in sentences if s]


def _reaches(turns: list[Turn], spoken: list[list[Word]]) -> dict[int, float]:
    """How far back the stretch of each turn's first word begins, by word; a piece opening
    inside a turn keeps the usual margin.

    A turn's first word reaches back up to
    SETTINGS.reach_back_seconds, never before the previous turn's last word:
    Whisper puts a first word followed by a pause up to 0.7 s late, and a
    stretch that begins inside that word makes the aligner place it too late
    or pin it to the stretch's edge. After a turn that was not found (a reply
    Whisper missed may be there) the usual margin holds.
    """
    reach: dict[int, float] = {}
    previous_end = 0.0
    previous_index = -1
    for turn, words in zip(turns, spoken, strict=True):
        first = words[0].start
        if first is not None and turn.index == previous_index + 1:
            reach[id(words[0])] = max(
                SETTINGS.acoustic_margin_seconds,
                min(SETTINGS.reach_back_seconds, first - previous_end),
            )
        previous_end = max([previous_end, *(w.end for w in words if w.end is not None)])
        previous_index = turn.index
    return reach


def _texts(
    words: list[Word], left_out: Mapping[int, list[str]]
) -> tuple[tuple[str, ...], list[int]]:
    """The text a piece is aligned with: its words, and what Whisper heard between them
    that the transcript left out; and where each of its words is in that text."""
    text: list[str] = []
    written: list[int] = []
    for at, word in enumerate(words):
        if at > 0:
            text += left_out.get(id(word), [])
        written.append(len(text))
        text.append(word.text)
    return tuple(text), written


def _stretch(words: list[Word], text: tuple[str, ...], duration: float, reach: float) -> Stretch:
    start = min(w.start for w in words if w.start is not None)
    end = max(w.end for w in words if w.end is not None)
    return Stretch(
        max(0.0, start - reach), min(duration, end + SETTINGS.acoustic_margin_seconds), text
    )


def spoken_words(turn: Turn) -> list[Word]:
    return [w for w in turn.words if w.spoken]


def is_timed(turn: Turn) -> bool:
    return (
        turn.status != TurnStatus.NOT_FOUND
        and turn.is_timed
        and all(w.start is not None for w in spoken_words(turn))
    )
