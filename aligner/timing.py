"""From token pairs to word and turn times, and which turns are not in the audio.

The steps, in order: pair transcript tokens with recognised ones, and pair
again without the turns clearly missing; drop pairings that stray far in
time from the rest of their turn; listen again to stretches Whisper skipped
at turn edges; judge each turn heard or not from the share of its tokens
that matched; place the remaining untimed words next to their timed
neighbours.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import groupby

from podalign.aligner import trace
from podalign.aligner.matching import WordMatch, match_words
from podalign.aligner.normalise import FILLERS, normalise_word
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.settings import SETTINGS
from podalign.transcripts.model import Transcript, Turn, TurnStatus


@dataclass(frozen=True)
class Span:
    """A stretch of audio, in seconds, and the words that should be in it."""

    start: float
    end: float
    words: list[str]


# Spans -> for each, what a second listen found for each of its words.
Rescuer = Callable[[list[Span]], list[list[WordMatch]]]


@dataclass
class _WordSlot:
    """One spoken transcript word and what the alignment found for it."""

    turn: int
    word: int
    text: str
    start: float | None = None
    end: float | None = None
    tokens: int = 0
    matched: int = 0

    @property
    def is_matched(self) -> bool:
        return self.tokens > 0 and self.matched * 2 >= self.tokens

    @property
    def span(self) -> tuple[float, float]:
        """The times of a word known to be timed."""
        assert self.start is not None and self.end is not None, f"{self.text!r} has no times"
        return self.start, self.end


def time_transcript(
    transcript: Transcript,
    heard: Sequence[RecognisedWord],
    duration: float,
    rescue: Rescuer | None = None,
) -> set[int]:
    """Give the turns and words of ``transcript`` their times, in place.

    Returns the ids of the timed words no heard word matched: their times are
    guessed from their neighbours'.
    """
    slots = _pair(transcript, heard)
    _drop_strays(slots)
    _drop_crowding_matches(slots)
    _prefer_first_of_repeats(slots)
    if rescue is not None:
        _rescue_unmatched(slots, duration, rescue)
    by_turn: dict[int, list[_WordSlot]] = {}
    for slot in slots:
        by_turn.setdefault(slot.turn, []).append(slot)
    for turn in transcript.turns:
        _judge_turn(turn, by_turn.get(turn.index, []))
    found = [s for s in slots if transcript.turns[s.turn].status != TurnStatus.NOT_FOUND]
    _interpolate(found)
    _keep_in_order(found)
    guessed = set()
    for slot in found:
        word = transcript.turns[slot.turn].words[slot.word]
        word.start, word.end = slot.start, slot.end
        if not slot.is_matched and word.start is not None:
            guessed.add(id(word))
    for turn in transcript.turns:
        _set_turn_span(turn)
    return guessed


def fill_untimed_words(turn: Turn) -> None:
    """Place a turn's untimed spoken words next to its timed ones, in place, as alignment does."""
    slots = [
        _WordSlot(0, w, word.text, word.start, word.end, _token_count(word.text))
        for w, word in enumerate(turn.words)
        if word.spoken
    ]
    _interpolate(slots)
    _keep_in_order(slots)
    for slot in slots:
        turn.words[slot.word].start, turn.words[slot.word].end = slot.start, slot.end


def _token_count(text: str) -> int:
    return len([t for t in normalise_word(text) if t not in FILLERS])


def _pair(transcript: Transcript, heard: Sequence[RecognisedWord]) -> list[_WordSlot]:
    """Pair every spoken word with what was heard, then again without the turns not heard.

    A cut turn's words take part in the first pairing and can win the heard
    words of its neighbour ("Sure, the fun fact" against a cut "sure, it was
    fun"); once it is known to be missing, the rest is paired without it.
    """
    slots: list[_WordSlot] = []
    for position, turn in enumerate(transcript.turns):
        turn.index = position
        slots += [
            _WordSlot(position, w, word.text) for w, word in enumerate(turn.words) if word.spoken
        ]
    _match(slots, heard)
    missing = _clearly_missing_turns(slots)
    for position in sorted(missing):
        trace.note(
            position,
            "matching",
            "left out of the second pairing",
            why=f"under {SETTINGS.estimated_ratio:.0%} of its words matched in the first pairing,"
            " so it must not take its neighbours' heard words",
        )
    if missing:
        for slot in slots:
            if slot.turn in missing:
                _take(slot, WordMatch(slot.tokens))
        _match([s for s in slots if s.turn not in missing], heard)
    return slots


def _match(slots: list[_WordSlot], heard: Sequence[RecognisedWord]) -> None:
    for slot, match in zip(slots, match_words([s.text for s in slots], heard), strict=True):
        _take(slot, match)


def _clearly_missing_turns(slots: list[_WordSlot]) -> set[int]:
    tokens: dict[int, int] = {}
    matched: dict[int, float] = {}
    for slot in slots:
        tokens[slot.turn] = tokens.get(slot.turn, 0) + slot.tokens
        matched[slot.turn] = matched.get(slot.turn, 0) + (
            slot.matched if slot.start is not None else 0
        )
    return {
        turn
        for turn, count in tokens.items()
        if count >= SETTINGS.missing_min_tokens and matched[turn] < SETTINGS.estimated_ratio * count
    }


def _take(slot: _WordSlot, match: WordMatch) -> None:
    slot.tokens, slot.matched = match.tokens, match.matched
    slot.start, slot.end = match.start, match.end


def _drop_strays(slots: list[_WordSlot]) -> None:
    """Forget matches that sit seconds away from the rest of their turn.

    A common word like "hello" heard in the intro music, or "I'm going to"
    in an ad read, can pair with the turn's first words; such pairings form a
    small cluster far in time from the bulk of the turn's words.
    """
    turns: dict[int, list[_WordSlot]] = {}
    for slot in slots:
        if slot.start is not None:
            turns.setdefault(slot.turn, []).append(slot)
    for timed in turns.values():
        clusters = [[timed[0]]]
        for slot in timed[1:]:
            (start, _), (previous_start, previous_end) = slot.span, clusters[-1][-1].span
            if start - previous_end > SETTINGS.stray_gap_seconds or start < previous_start:
                clusters.append([])
            clusters[-1].append(slot)
        if len(clusters) == 1:
            continue
        main = max(clusters, key=len)
        for cluster in clusters:
            small = min(
                max(SETTINGS.stray_cluster_words, SETTINGS.stray_cluster_share * len(main)),
                SETTINGS.stray_cluster_max_words,
            )
            if cluster is not main and len(cluster) <= small:
                trace.note(
                    cluster[0].turn,
                    "matching",
                    f"dropped {len(cluster)} matched word(s) as strays",
                    at=cluster[0].span[0],
                    why=f"more than {SETTINGS.stray_gap_seconds:g} s away from the rest of the"
                    f" turn's {len(main)} matched words",
                )
                for slot in cluster:
                    slot.start = slot.end = None
                    slot.matched = 0


def _drop_crowding_matches(slots: list[_WordSlot]) -> None:
    """Forget a lone match that leaves the unmatched words next to it no room.

    Where Whisper skipped a stretch, a common word ("the") can pair with the
    same word heard seconds away, where the speaker says it again: the words
    between it and its neighbouring match are then squeezed into no time. Such
    a match sits alone, far from the match on its other side, and without it
    the words fit: it is dropped, and the stretch is listened to again. The
    same holds across turns: a short question's "So" paired with the "so" in
    the middle of the answer squeezes the answer's opening words.
    """
    changed = True
    while changed:
        changed = False
        matched = [at for at, slot in enumerate(slots) if slot.start is not None]
        for before, after in zip(matched, matched[1:], strict=False):
            a, b = slots[before], slots[after]
            crowded = b.span[0] - a.span[1] < (after - before - 1) * SETTINGS.min_seconds_per_word
            if after - before == 1 or not crowded:
                continue
            lone = _lone_match(slots, matched, before, -1) or _lone_match(slots, matched, after, 1)
            if lone is not None:
                trace.note(
                    slots[lone].turn,
                    "matching",
                    f"dropped the match of {slots[lone].text!r} that crowded its neighbours",
                    at=slots[lone].span[0],
                    why=f"{after - before - 1} unmatched words had"
                    f" {b.span[0] - a.span[1]:.2f} s next to it, and it sat alone more than"
                    f" {SETTINGS.stray_gap_seconds:g} s from the match on its other side",
                )
                slots[lone].start = slots[lone].end = None
                slots[lone].matched = 0
                changed = True
                break


def _lone_match(slots: list[_WordSlot], matched: list[int], at: int, away: int) -> int | None:
    """``at`` if the match there stands alone, ``away`` (-1 or 1) being the side away
    from the crowded words, with the match on that side far enough in time and far
    enough in words for everything between them to fit once it is dropped."""
    position = matched.index(at)
    if not 0 <= position + away < len(matched) or not 0 <= position - away < len(matched):
        return None
    far, near = matched[position + away], matched[position - away]
    slot, other = slots[at], slots[far]
    lo, hi = sorted((far, near))
    room = slots[hi].span[0] - slots[lo].span[1]
    gap = abs(slot.span[0] - other.span[0])
    if gap > SETTINGS.stray_gap_seconds and room >= (hi - lo - 1) * SETTINGS.min_seconds_per_word:
        return at
    return None


def _prefer_first_of_repeats(slots: list[_WordSlot]) -> None:
    """Give a turn's first heard word to its first occurrence when the turn opens stuttering.

    In "it's like a it's like one", a heard "it's like one" pairs with the
    second "it's" as readily as with the first; the turn starts at the first.
    """
    for i, slot in enumerate(slots):
        opens_turn = i == 0 or slots[i - 1].turn != slot.turn
        if not opens_turn or slot.start is not None:
            continue
        j = i
        while j < len(slots) and slots[j].turn == slot.turn and slots[j].start is None:
            j += 1
        if j == len(slots) or slots[j].turn != slot.turn:
            continue
        key = normalise_word(slots[j].text)
        first = next((k for k in range(i, j) if normalise_word(slots[k].text) == key), None)
        if first is not None:
            _take(
                slots[first],
                WordMatch(slots[j].tokens, slots[j].matched, slots[j].start, slots[j].end),
            )
            _take(slots[j], WordMatch(slots[j].tokens))


def _rescue_unmatched(slots: list[_WordSlot], duration: float, rescue: Rescuer) -> None:
    """Listen again to the stretches between matched words where it can change a turn's times.

    Runs of misheard words inside a turn are left to interpolation; a second
    listen is spent on runs at a turn's edge and on long skipped stretches.
    """
    runs: list[list[_WordSlot]] = []
    spans: list[Span] = []
    for i, j in _unmatched_runs(slots):
        # A run is as long as it goes, so the words on either side are timed.
        lo = slots[i - 1].span[1] if i > 0 else 0.0
        hi = slots[j].span[0] if j < len(slots) else duration
        at_edge = i == 0 or j == len(slots) or slots[i - 1].turn != slots[j].turn
        gap = hi - lo
        run = _turns_that_fit(slots[i:j], gap)
        worth_it = gap >= SETTINGS.rescue_long_gap_seconds or (
            at_edge and gap >= SETTINGS.rescue_edge_gap_seconds
        )
        if run and worth_it and gap >= SETTINGS.min_seconds_per_word * len(run):
            lo, hi = _likely_stretch(slots, i, j, lo, hi)
            runs.append(run)
            spans.append(Span(lo, hi, [s.text for s in run]))
    if not spans:
        return
    for run, span, matches in zip(runs, spans, rescue(spans), strict=True):
        for slot, match in zip(run, matches, strict=True):
            if match.is_matched:
                _take(slot, match)
        for turn in sorted({slot.turn for slot in run}):
            trace.note(
                turn,
                "second listen",
                f"listened again to {span.start:.2f}-{span.end:.2f} s",
                words=len(run),
                found=sum(match.is_matched for match in matches),
                why="Whisper's first pass skipped words at a turn edge or a long stretch",
            )


def _turns_that_fit(run: list[_WordSlot], gap: float) -> list[_WordSlot]:
    """The run, or when it cannot all be said in ``gap`` seconds, the words of its turns
    that could: a turn too long for the gap on its own was cut from the audio, and a
    short one beside it (a question before the answer) may still be there."""
    if gap >= SETTINGS.min_seconds_per_word * len(run):
        return run
    fitting = []
    for _, part in groupby(run, key=lambda slot: slot.turn):
        words = list(part)
        if gap >= SETTINGS.min_seconds_per_word * len(words):
            fitting += words
    return fitting


def _likely_stretch(
    slots: list[_WordSlot], i: int, j: int, lo: float, hi: float
) -> tuple[float, float]:
    """Where a run that ends or opens a turn can be: next to its heard neighbour.

    Searching the whole gap to the next turn lets the run pair with the same
    words said later (an ad read saying "to continue that").
    """
    turn = slots[i].turn
    one_turn = all(s.turn == turn for s in slots[i:j])
    after_own = i > 0 and slots[i - 1].turn == turn
    before_own = j < len(slots) and slots[j].turn == turn
    reach = (j - i) * SETTINGS.rescue_seconds_per_word + SETTINGS.rescue_slack_seconds
    if one_turn and after_own and not before_own:
        return lo, min(hi, lo + reach)
    if one_turn and before_own and not after_own:
        return max(lo, hi - reach), hi
    return lo, hi


def _unmatched_runs(slots: list[_WordSlot], split_turns: bool = False) -> list[tuple[int, int]]:
    """[i, j) index ranges of consecutive untimed slots, optionally cut at turn changes."""
    runs = []
    i = 0
    while i < len(slots):
        if slots[i].start is not None:
            i += 1
            continue
        j = i + 1
        while j < len(slots) and slots[j].start is None:
            if split_turns and slots[j].turn != slots[i].turn:
                break
            j += 1
        runs.append((i, j))
        i = j
    return runs


def _judge_turn(turn: Turn, slots: list[_WordSlot]) -> None:
    """Decide whether the turn was heard, from the share of its tokens that matched."""
    tokens = sum(s.tokens for s in slots)
    matched = sum(min(s.matched, s.tokens) for s in slots if s.start is not None)
    share = matched / tokens if tokens else 0.0
    turn.confidence = share
    if share >= SETTINGS.found_ratio:
        turn.status = TurnStatus.ALIGNED
    elif share >= SETTINGS.estimated_ratio or (matched >= 1 and tokens <= 4):
        turn.status = TurnStatus.ESTIMATED
    else:
        turn.status = TurnStatus.NOT_FOUND
        for slot in slots:
            slot.start = slot.end = None
    trace.note(
        turn.index,
        "matching",
        turn.status.value,
        why=f"{matched:g} of {tokens} word tokens matched what Whisper heard ({share:.0%});"
        f" aligned from {SETTINGS.found_ratio:.0%}, estimated from {SETTINGS.estimated_ratio:.0%}",
    )


def _interpolate(slots: list[_WordSlot]) -> None:
    """Place untimed words next to their timed neighbours, by their count of tokens.

    A run that opens or closes a turn is packed against the timed word of the
    same turn, not spread over the pause to the neighbouring turn.
    """
    for i, j in _unmatched_runs(slots, split_turns=True):
        before = slots[i - 1] if i > 0 else None
        after = next((s for s in slots[j:] if s.start is not None), None)
        _place_run(slots[i:j], before, after)


def _keep_in_order(slots: list[_WordSlot]) -> None:
    """Word starts never go backwards, and no word ends before it starts."""
    latest = 0.0
    for slot in slots:
        if slot.start is None or slot.end is None:
            continue
        slot.start = max(slot.start, latest)
        slot.end = max(slot.end, slot.start)
        latest = slot.start


def _place_run(run: list[_WordSlot], before: _WordSlot | None, after: _WordSlot | None) -> None:
    turn = run[0].turn
    need = [max(1, s.tokens) * SETTINGS.seconds_per_token for s in run]
    # Runs are cut at turn changes, so the word before may be an untimed one of another turn.
    before_end = None if before is None else before.end
    after_start = None if after is None else after.start
    opens_turn = before is None or before.turn != turn
    closes_turn = after is None or after.turn != turn
    if not opens_turn and not closes_turn and before_end is not None and after_start is not None:
        lo, hi = before_end, after_start
    elif not closes_turn and after_start is not None:
        hi = after_start
        lo = max(before_end or 0.0, hi - sum(need))
    elif not opens_turn and before_end is not None:
        lo = before_end
        hi = lo + sum(need) if after_start is None else min(lo + sum(need), after_start)
    else:
        return
    hi = max(hi, lo)
    scale = (hi - lo) / sum(need)
    t = lo
    for slot, length in zip(run, need, strict=True):
        slot.start = round(t, 3)
        t += length * scale
        slot.end = round(t, 3)


def _set_turn_span(turn: Turn) -> None:
    timed = [w for w in turn.words if w.spoken and w.start is not None]
    if turn.status == TurnStatus.NOT_FOUND or not timed:
        turn.start = turn.end = None
        turn.status = TurnStatus.NOT_FOUND
        return
    turn.start, turn.end = timed[0].start, timed[-1].end
