"""Turn boundaries that cannot be right, re-examined by the acoustic aligner over both turns.

Where Whisper's pairing goes wrong, it goes wrong at a boundary: the last
words of one turn squeezed into no time so that the next turn's first words
can take their place ("Good luck with them." in 0.36 s, the reply's "You
know," on top of it), a one-word reply the matching never found swallowed by
the turn before, a turn that starts inside its neighbour's speech. The
precision stage aligned each turn alone, inside the window that pairing
drew. Here the acoustic aligner gets the end of the one turn, any short
unfound turn between, and the start of the next, over both windows, and
places the split itself. Its answer is kept where it is physically possible;
where it cannot give one and the old times are impossible, the confidence of
the turn whose start they put in doubt drops below the line where the page
asks for a check. A turn's opening word stretched over a long pause, with no
turn near enough to examine it with, has its opening pulled next to the word
after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from podalign.aligner import trace
from podalign.aligner.acoustic import AcousticWord, Alignment, Stretch
from podalign.aligner.normalise import normalise_word
from podalign.aligner.precise import Aligner, is_squeezed, is_timed, spoken_words
from podalign.aligner.settings import SETTINGS
from podalign.transcripts.model import SENTENCE_END, Transcript, Turn, TurnStatus, Word


@dataclass(frozen=True)
class Boundary:
    """The end of one timed turn, the short unfound turns after it, the start of the next."""

    before: Turn
    missing: tuple[Turn, ...]
    after: Turn
    tail: tuple[Word, ...]
    head: tuple[Word, ...]

    @property
    def missing_words(self) -> list[Word]:
        return [w for turn in self.missing for w in spoken_words(turn)]

    def words(self) -> list[Word]:
        return [*self.tail, *self.missing_words, *self.head]


def reexamine_boundaries(transcript: Transcript, duration: float, align: Aligner) -> None:
    """Re-align, in place, the boundaries between timed turns whose times cannot be right.

    Doubtful boundaries are aligned together, in rounds: one that shares a turn
    with a boundary moved in the same round is looked at again in the next,
    with that turn's new times, and so is one that found no possible split
    where a neighbouring boundary has since moved one of its turns.
    """
    examined: set[int] = set()
    unsettled: dict[int, Boundary] = {}
    for _ in range(SETTINGS.boundary_rounds):
        boundaries = [
            (b, why)
            for b in _boundaries(transcript)
            if id(b.after) not in examined and (why := _doubt(b)) is not None
        ]
        if not boundaries:
            break
        alignments = align([_stretch(b.words(), duration) for b, _ in boundaries])
        moved: set[int] = set()
        for (boundary, why), alignment in zip(boundaries, alignments, strict=True):
            if id(boundary.before) in moved:
                continue
            examined.add(id(boundary.after))
            if _apply(boundary, alignment, why):
                moved.update((id(boundary.before), id(boundary.after)))
                unsettled.pop(id(boundary.after), None)
            else:
                unsettled[id(boundary.after)] = boundary
        examined -= {
            key
            for key, boundary in unsettled.items()
            if {id(boundary.before), id(boundary.after)} & moved
        }
    for boundary in unsettled.values():
        _warn_if_impossible(boundary)


def pull_stretched_openings(transcript: Transcript) -> None:
    """Move a turn's opening words next to the first word after them that is in place.

    A turn that comes after speech the transcript does not hold (a recap
    after an unscripted stretch, an ad) can have its first word paired with
    a stray word Whisper heard seconds early, and the next word stretched
    over everything between ("A" 2 s early, "slightly" over 2.4 s, "different
    story." in place), or a one-word opening sentence stranded far before the
    rest ("Okay." 22 s early, after music). No pause mid-sentence lasts that
    long, nor between two sentences of one turn: the words up to the stretched
    one were said right before the word that follows it, at a usual pace. The
    turn keeps a confidence that asks for a check.
    """
    for turn in transcript.turns:
        if not is_timed(turn):
            continue
        words = spoken_words(turn)
        opening = words[: SETTINGS.boundary_min_words + 1]
        stretched = [
            at
            for at, (a, b) in enumerate(zip(opening, opening[1:], strict=False))
            if _stretched(a, b) or _stranded(a, b)
        ]
        if not stretched:
            continue
        was = turn.start
        end = _start(words[stretched[-1] + 1])
        for word in reversed(words[: stretched[-1] + 1]):
            start = end - _usual_seconds(
                word, SETTINGS.usual_seconds_per_letter, SETTINGS.usual_word_seconds
            )
            if start <= _start(word):
                break
            word.start, word.end = round(start, 3), round(end, 3)
            end = start
        turn.start = words[0].start
        turn.confidence = min(turn.confidence or 0.0, SETTINGS.doubtful_confidence)
        trace.note(
            turn.index,
            "boundary",
            "opening words moved next to the word after them: check this turn",
            was=was,
            why=f"{words[stretched[-1]].text!r} was stretched over a pause longer than any"
            " speaker makes mid-sentence; the words up to it were placed before the next word"
            " at a usual pace",
        )


def _boundaries(transcript: Transcript) -> list[Boundary]:
    turns = transcript.turns
    timed = [at for at, turn in enumerate(turns) if is_timed(turn)]
    found: list[Boundary] = []
    for before, after in zip(timed, timed[1:], strict=False):
        missing = tuple(t for t in turns[before + 1 : after] if spoken_words(t))
        tokens = sum(len(normalise_word(w.text)) for t in missing for w in spoken_words(t))
        tail = _tail(spoken_words(turns[before]), turns[before].status)
        head = _head(spoken_words(turns[after]), turns[after].status)
        gap = _start(head[0]) - _end(tail[-1])
        if tokens > SETTINGS.short_turn_tokens and gap < (
            sum(len(spoken_words(t)) for t in missing) * SETTINGS.min_seconds_per_word
        ):
            # The long turns between cannot fit in the gap at any pace: they were cut from
            # the audio, and these two turns meet.
            missing = ()
        elif tokens > SETTINGS.short_turn_tokens or gap > SETTINGS.boundary_max_gap_seconds:
            # A long turn between was cut from the audio or lies elsewhere, or music parts
            # them: these two turns need not meet at all.
            continue
        found.append(Boundary(turns[before], missing, turns[after], tuple(tail), tuple(head)))
    return found


def _tail(words: list[Word], status: TurnStatus) -> list[Word]:
    """A turn's last sentence, or its last words: at least and at most a few. All of the
    few for a turn with estimated times: where its last sentence begins is a guess, and a
    stretch that begins inside the sentence before lets the aligner stretch the first word
    over it."""
    if status == TurnStatus.ESTIMATED:
        return words[-SETTINGS.boundary_max_words :]
    start = len(words) - 1
    while start > 0 and (
        len(words) - start < SETTINGS.boundary_min_words or not _ends_sentence(words[start - 1])
    ):
        start -= 1
    return words[max(start, len(words) - SETTINGS.boundary_max_words) :]


def _head(words: list[Word], status: TurnStatus) -> list[Word]:
    """A turn's first sentence, or its first words: at least and at most a few (all of the
    few for a turn with estimated times)."""
    if status == TurnStatus.ESTIMATED:
        return words[: SETTINGS.boundary_max_words]
    end = 1
    while end < len(words) and (
        end < SETTINGS.boundary_min_words or not _ends_sentence(words[end - 1])
    ):
        end += 1
    return words[: min(end, SETTINGS.boundary_max_words)]


def _ends_sentence(word: Word) -> bool:
    return bool(SENTENCE_END.search(word.text))


def _doubt(boundary: Boundary) -> str | None:
    """Why the times where the two turns meet cannot be trusted, or None."""
    if boundary.missing:
        return "a short turn between them was not found: its words may sit inside either"
    if TurnStatus.ESTIMATED in (boundary.before.status, boundary.after.status):
        return "one of them has estimated times, spread evenly over a guessed stretch"
    impossible = _impossible(_junction(boundary), shortest_run=1)
    return None if impossible is None else impossible[1]


def _head_in_doubt(boundary: Boundary) -> bool:
    """Whether the later turn's own opening is impossible, guessed or may hold a missed turn."""
    head = boundary.head[: SETTINGS.boundary_min_words]
    return (
        bool(boundary.missing)
        or boundary.after.status == TurnStatus.ESTIMATED
        or _start(head[0]) < _end(boundary.tail[-1]) - SETTINGS.overlap_tolerance_seconds
        or _impossible([list(head)], shortest_run=1) is not None
    )


def _junction(boundary: Boundary) -> list[list[Word]]:
    """The words where the two turns meet, by turn."""
    return [
        list(boundary.tail[-SETTINGS.boundary_min_words :]),
        list(boundary.head[: SETTINGS.boundary_min_words]),
    ]


def _impossible(turns: list[list[Word]], shortest_run: int) -> tuple[int, str] | None:
    """Times of these turns' words that no speaker can do: which turn's start they put in
    doubt (by position), and what they are; or None.

    A word whose next word (in the same sentence) starts far later than any
    word lasts was stretched over a pause or someone else's speech; words
    said faster than anyone speaks were squeezed; a turn starting before
    the previous one's last word ends starts inside it. Word ends are not
    trusted for the first: the acoustic aligner lets a word swallow the pause
    after it.
    """
    for position, (words, following) in enumerate(zip(turns, turns[1:], strict=False), start=1):
        if (
            words
            and following
            and _start(following[0]) < _end(words[-1]) - SETTINGS.overlap_tolerance_seconds
        ):
            return position, f"{following[0].text!r} starts inside {words[-1].text!r}"
    for position, words in enumerate(turns):
        for said, then in zip(words, words[1:], strict=False):
            if _stretched(said, then):
                return position, f"{said.text!r} stretched over {_start(then) - _start(said):.2f} s"
        for size in range(shortest_run, len(SETTINGS.fastest_seconds_per_letter) + 1):
            for at in range(len(words) - size + 1):
                run = words[at : at + size]
                if is_squeezed(run):
                    phrase = " ".join(w.text for w in run)
                    # Squeezed words make room for the next turn's opening.
                    return (
                        min(position + 1, len(turns) - 1),
                        f"{phrase!r} squeezed into {_end(run[-1]) - _start(run[0]):.2f} s",
                    )
    return None


def _stretched(said: Word, then: Word) -> bool:
    """Whether the next word, in the same sentence, starts later than any pause allows."""
    longest = SETTINGS.longest_pause_seconds + _usual_seconds(
        said, SETTINGS.longest_seconds_per_letter
    )
    return not _ends_sentence(said) and _start(then) - _start(said) > longest


def _stranded(said: Word, then: Word) -> bool:
    """Whether the next sentence of the same turn starts later than a speaker pauses
    between sentences: the sentence before was paired with a stray word."""
    return (
        _ends_sentence(said)
        and _start(then) - _start(said) > SETTINGS.longest_sentence_pause_seconds
    )


def _usual_seconds(word: Word, per_letter: float, per_word: float = 0.0) -> float:
    """How long a word takes at ``per_letter`` a letter after ``per_word`` (a number by its
    spoken tokens)."""
    letters = _letters(word.text)
    if letters:
        return per_word + per_letter * letters
    return SETTINGS.seconds_per_token * len(normalise_word(word.text))


def _apply(boundary: Boundary, alignment: Alignment | None, why: str) -> bool:
    """Take the aligner's times for the boundary's words if they are possible; whether taken."""
    words = boundary.words()
    if alignment is None or any(place is None for place in alignment):
        return False
    aligned = [
        _edges(word, place, first=at == 0, last=at == len(words) - 1)
        for at, (word, place) in enumerate(zip(words, alignment, strict=True))
        if place is not None
    ]
    choices = [aligned]
    if not _head_in_doubt(boundary):
        # Nothing was wrong with the later turn's start: only the earlier one's end moves,
        # unless the later start then falls inside it (the earlier turn's times were a
        # guess), and the aligner's own split of both is possible.
        kept = [(_start(w), _end(w)) for w in boundary.head]
        choices.insert(0, aligned[: len(words) - len(boundary.head)] + kept)
    times = next((t for t in choices if _possible(boundary, t)), None)
    if times is None:
        return False
    was = _start(spoken_words(boundary.after)[0])
    for word, (start, end) in zip(words, times, strict=True):
        word.start, word.end = round(start, 3), round(end, 3)
    for turn in (boundary.before, *boundary.missing, boundary.after):
        timed = spoken_words(turn)
        turn.start, turn.end = timed[0].start, timed[-1].end
    moved = abs(_start(spoken_words(boundary.after)[0]) - was)
    if moved > SETTINGS.boundary_checked_move_seconds:
        after = boundary.after
        after.confidence = min(after.confidence or 0.0, SETTINGS.doubtful_confidence)
        why += (
            f"; it moved the start {moved:.2f} s, more than a word: Whisper's pairing and"
            " the acoustic aligner disagree there, so check this turn"
        )
    for turn in boundary.missing:
        turn.status, turn.confidence = TurnStatus.ESTIMATED, SETTINGS.reexamined_turn_confidence
        trace.note(
            turn.index,
            "boundary",
            "placed by the acoustic aligner between its neighbours",
            why="Whisper did not hear it; aligned with the end of the turn before and the"
            " start of the turn after, its words found a place of their own",
        )
    trace.note(
        boundary.after.index,
        "boundary",
        f"boundary with turn {boundary.before.index} re-examined and moved",
        start=boundary.after.start,
        why=f"{why}; the acoustic aligner placed the end of the one and the start of the"
        " other over both their windows",
    )
    return True


def _possible(boundary: Boundary, times: list[tuple[float, float]]) -> bool:
    """Whether the boundary's words at ``times`` (in the order of ``Boundary.words``) are
    possible for speakers to say."""
    retimed = {
        id(w): Word(w.text, start=s, end=e)
        for w, (s, e) in zip(boundary.words(), times, strict=True)
    }
    by_turn = [
        [retimed[id(w)] for w in part]
        for part in (boundary.tail, *map(spoken_words, boundary.missing), boundary.head)
    ]
    return _impossible(by_turn, shortest_run=1) is None


def _edges(word: Word, place: AcousticWord, first: bool, last: bool) -> tuple[float, float]:
    """A word's new start and end. The stretch's outer edges were cut by the old times: an
    edge the aligner pinned there keeps its old time, as far as the word allows, and a
    first word is not stretched back over what the aligner put before it. A first word
    the aligner put wholly before its old start, against the stretch's edge, was not
    found at all: it keeps its old times."""
    start, end = place.start, place.end
    if first and not place.start_found:
        if place.end <= _start(word):
            return _start(word), _end(word)
        start = max(_start(word), place.end - SETTINGS.longest_edge_word_seconds)
    if last and not place.end_found and _end(word) > start:
        end = _end(word)
    return start, max(start, end)


def _warn_if_impossible(boundary: Boundary) -> None:
    """Impossible times the acoustic aligner could not replace: that turn needs a check.

    A lone word squeezed to nothing is common where Whisper's time was kept
    between two acoustic ones, and harmless; runs of words are not.
    """
    impossible = _impossible(_junction(boundary), shortest_run=2)
    if impossible is None:
        return
    position, why = impossible
    turn = (boundary.before, boundary.after)[position]
    turn.confidence = min(turn.confidence or 0.0, SETTINGS.doubtful_confidence)
    trace.note(
        turn.index,
        "boundary",
        "confidence lowered: check this turn",
        why=f"{why} where it meets turn"
        f" {(boundary.after, boundary.before)[position].index}, and the acoustic aligner"
        " found no possible split between them",
    )


def _stretch(words: list[Word], duration: float) -> Stretch:
    return Stretch(
        max(0.0, _start(words[0]) - SETTINGS.acoustic_margin_seconds),
        min(duration, _end(words[-1]) + SETTINGS.acoustic_margin_seconds),
        tuple(w.text for w in words),
    )


def _letters(text: str) -> int:
    return sum(c.isalpha() for c in text)


def _start(word: Word) -> float:
    assert word.start is not None
    return word.start


def _end(word: Word) -> float:
    assert word.end is not None
    return word.end
