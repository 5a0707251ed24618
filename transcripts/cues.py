"""Cut a timed transcript into subtitle cues.

Each turn is cut on its own, so a new cue starts at every turn (and speaker)
change. Within a turn the cut points are chosen by dynamic programming over
the words: a cue must fit ``max_lines`` lines of ``max_line_chars`` and last
at most MAX_CUE_SECONDS (a single word may break both), and among the cuts
that do, the cheapest prefers breaks after sentence punctuation, then clause
punctuation, then pauses, and few cues that can be read at MAX_CHARS_PER_SECOND.

Words without times (bracketed notes, words the aligner could not place) get
times interpolated between their timed neighbours, so they ride along in the
cue of the words around them. Every word of a cut turn lands in exactly one cue.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .model import SENTENCE_END, Transcript, Turn, Word

MAX_CUE_SECONDS = 7.0
MIN_CUE_SECONDS = 1.0
MAX_CHARS_PER_SECOND = 20.0

_CLAUSE_END = re.compile(r"[,;:—–][\"'”’)\]]*$")

# Costs of the cut, in arbitrary units: what one extra cue is worth against a
# poorer break. Tuned by eye on the benchmark episodes.
_COST_PER_CUE = 2.0
_BREAK_COST_SENTENCE = 0.0
_BREAK_COST_CLAUSE = 3.0
_BREAK_COST_WORD = 8.0
# Subtitle style guides keep an article, preposition or conjunction with the
# word it introduces, so breaking after one costs more.
_BREAK_COST_AFTER_FUNCTION_WORD = 11.0
_FUNCTION_WORDS = frozenset(
    """
    a an the of to in on at for from with by as into onto about than and or but nor so if
    that my your his her its our their this these those i i'm i’m we're we’re you're you’re
    """.split()
)
_PAUSE_BONUS_PER_SECOND = 6.0
_COST_PER_FAST_CHAR_PER_SECOND = 0.3
_COST_PER_SHORT_SECOND = 4.0
_COST_NO_TIMED_WORD = 10.0
# Per second of the longest pause inside a cue beyond a breath: text should
# not stay up through a silence.
_COST_PER_INNER_PAUSE_SECOND = 4.0
_BREATH_SECONDS = 0.5
# Times the squared share of a cue's room left empty: evens out cue lengths.
_COST_EMPTY_ROOM = 4.0
# Line layout: sum of squared line lengths (favours balanced lines), minus
# this share of a full line squared for a line break after punctuation, plus
# this share for one after a function word.
_LINE_PUNCTUATION_BONUS = 0.2
_LINE_FUNCTION_WORD_PENALTY = 0.1


@dataclass
class Cue:
    start: float
    end: float
    speaker: str | None
    turn_index: int
    words: list[Word]
    # Per word (start, end), interpolated where the word has no times.
    word_times: list[tuple[float, float]]
    lines: list[str]
    first_of_turn: bool

    @property
    def body(self) -> str:
        """The cue's words, without any speaker prefix."""
        return " ".join(word.text for word in self.words)


def turn_span(turn: Turn) -> tuple[float, float] | None:
    """The turn's (start, end), from its words if the turn itself has none; None if untimed."""
    if turn.start is not None and turn.end is not None:
        return turn.start, max(turn.start, turn.end)
    times = [t for w in turn.words for t in (w.start, w.end) if t is not None]
    if not times:
        return None
    return min(times), max(times)


def cut_cues(
    transcript: Transcript,
    max_line_chars: int = 42,
    max_lines: int = 2,
    speaker_prefix: bool = False,
) -> list[Cue]:
    """Cues for every timed turn, in time order, never overlapping.

    ``speaker_prefix`` lays out ``Name:`` in front of the first cue of each
    turn, as SRT shows speakers in the text.
    """
    if max_line_chars < 1 or max_lines < 1:
        raise ValueError("max_line_chars and max_lines must be at least 1")
    cues: list[Cue] = []
    for turn in transcript.turns:
        span = turn_span(turn)
        if span is None or not turn.words:
            continue
        prefix = f"{turn.speaker}:" if speaker_prefix and turn.speaker else ""
        cues.extend(_cut_turn(turn, span, prefix, max_line_chars, max_lines))
    cues.sort(key=lambda cue: cue.start)
    _settle_times(cues)
    return cues


def _cut_turn(
    turn: Turn, span: tuple[float, float], prefix: str, max_line_chars: int, max_lines: int
) -> list[Cue]:
    times, anchored = _word_times(turn.words, span)
    texts = [w.text for w in turn.words]
    bounds = _cut_points(texts, times, anchored, prefix, max_line_chars, max_lines)
    cues = []
    for j, i in bounds:
        tokens = ([prefix] if prefix and j == 0 else []) + texts[j:i]
        cues.append(
            Cue(
                start=times[j][0],
                end=max(end for _, end in times[j:i]),
                speaker=turn.speaker,
                turn_index=turn.index,
                words=turn.words[j:i],
                word_times=times[j:i],
                lines=_layout(tokens, max_line_chars, max_lines),
                first_of_turn=j == 0,
            )
        )
    return cues


def _word_times(
    words: list[Word], span: tuple[float, float]
) -> tuple[list[tuple[float, float]], list[bool]]:
    """Times for every word, interpolating the untimed ones by length; and which had times."""
    known: list[tuple[float, float] | None] = []
    for w in words:
        start = w.start if w.start is not None else w.end
        end = w.end if w.end is not None else w.start
        known.append(None if start is None or end is None else (start, max(start, end)))
    anchored = [k is not None for k in known]
    times: list[tuple[float, float]] = []
    i = 0
    while i < len(words):
        if known[i] is not None:
            times.append(known[i])  # type: ignore[arg-type]
            i += 1
            continue
        run_end = i
        while run_end < len(words) and known[run_end] is None:
            run_end += 1
        left = times[-1][1] if times else span[0]
        right = known[run_end][0] if run_end < len(words) else span[1]  # type: ignore[index]
        right = max(left, right)
        weights = [len(w.text) + 1 for w in words[i:run_end]]
        total = sum(weights)
        position = left
        for weight in weights:
            step = (right - left) * weight / total
            times.append((position, position + step))
            position += step
        i = run_end
    # Aligners can return slightly out-of-order words; cues need order.
    ordered: list[tuple[float, float]] = []
    for start, end in times:
        if ordered:
            start = max(start, ordered[-1][0])
        ordered.append((start, max(start, end)))
    return ordered, anchored


def _cut_points(
    texts: list[str],
    times: list[tuple[float, float]],
    anchored: list[bool],
    prefix: str,
    max_line_chars: int,
    max_lines: int,
) -> list[tuple[int, int]]:
    n = len(texts)
    any_anchor = any(anchored)
    best = [math.inf] * (n + 1)
    back = [0] * (n + 1)
    best[0] = 0.0
    capacity = max_lines * (max_line_chars + 1) - 1
    for j in range(n):
        if best[j] == math.inf:
            continue
        lines, line_len = 0, 0
        chars = -1
        if prefix and j == 0:
            lines, line_len = 1, len(prefix)
            chars += len(prefix) + 1
        end = times[j][1]
        has_anchor = False
        inner_pause = 0.0
        for i in range(j + 1, n + 1):
            if i - j > 1:
                inner_pause = max(inner_pause, times[i - 1][0] - end)
            width = len(texts[i - 1])
            chars += width + 1
            if lines == 0:
                lines, line_len = 1, width
            elif line_len + 1 + width <= max_line_chars:
                line_len += 1 + width
            else:
                lines, line_len = lines + 1, width
            end = max(end, times[i - 1][1])
            has_anchor = has_anchor or anchored[i - 1]
            duration = end - times[j][0]
            if i - j > 1 and (lines > max_lines or duration > MAX_CUE_SECONDS):
                break
            cost = best[j] + _cue_cost(
                texts, times, j, i, chars, chars / capacity, duration, inner_pause
            )
            if any_anchor and not has_anchor:
                cost += _COST_NO_TIMED_WORD
            if cost < best[i]:
                best[i], back[i] = cost, j
    bounds = []
    i = n
    while i > 0:
        bounds.append((back[i], i))
        i = back[i]
    return bounds[::-1]


def _cue_cost(
    texts: list[str],
    times: list[tuple[float, float]],
    j: int,
    i: int,
    chars: int,
    fill: float,
    duration: float,
    inner_pause: float,
) -> float:
    """Cost of words[j:i] as one cue of ``chars`` characters, ``fill`` of its room."""
    cost = _COST_PER_CUE
    cost += _COST_EMPTY_ROOM * max(0.0, 1.0 - fill) ** 2
    cost += _COST_PER_INNER_PAUSE_SECOND * max(0.0, inner_pause - _BREATH_SECONDS)
    start = times[j][0]
    if i < len(texts):
        cost += _break_cost(texts[i - 1], times[i][0] - times[i - 1][1])
        room = times[i][0] - start
    else:
        room = MAX_CUE_SECONDS
    # How long the cue can stay up once _settle_times extends it into silence.
    wanted = max(MIN_CUE_SECONDS, chars / MAX_CHARS_PER_SECOND)
    shown = max(duration, min(wanted, room, MAX_CUE_SECONDS))
    if shown < MIN_CUE_SECONDS:
        cost += (MIN_CUE_SECONDS - shown) * _COST_PER_SHORT_SECOND
    speed = chars / max(shown, 1e-3)
    if speed > MAX_CHARS_PER_SECOND:
        cost += (speed - MAX_CHARS_PER_SECOND) * _COST_PER_FAST_CHAR_PER_SECOND
    return cost


def _break_cost(last_word: str, pause: float) -> float:
    if SENTENCE_END.search(last_word):
        base = _BREAK_COST_SENTENCE
    elif _CLAUSE_END.search(last_word):
        base = _BREAK_COST_CLAUSE
    elif last_word.lower() in _FUNCTION_WORDS:
        base = _BREAK_COST_AFTER_FUNCTION_WORD
    else:
        base = _BREAK_COST_WORD
    return max(0.0, base - _PAUSE_BONUS_PER_SECOND * min(max(pause, 0.0), 1.0))


def _layout(tokens: list[str], max_line_chars: int, max_lines: int) -> list[str]:
    """Balanced lines: as many as greedy filling needs, with lengths as even as possible."""
    count = _greedy_line_count(tokens, max_line_chars)
    if count <= 1 or count > max_lines:
        # Over max_lines only happens for one over-long word after a speaker prefix.
        return [" ".join(tokens)]
    n = len(tokens)
    full = max_line_chars * max_line_chars
    # best[k][i]: cost of setting tokens[:i] on k lines.
    best = [[math.inf] * (n + 1) for _ in range(count + 1)]
    back = [[0] * (n + 1) for _ in range(count + 1)]
    best[0][0] = 0.0
    for k in range(1, count + 1):
        for i in range(1, n + 1):
            bonus = 0.0
            if i < n and (SENTENCE_END.search(tokens[i - 1]) or _CLAUSE_END.search(tokens[i - 1])):
                bonus = _LINE_PUNCTUATION_BONUS * full
            elif i < n and tokens[i - 1].lower() in _FUNCTION_WORDS:
                bonus = -_LINE_FUNCTION_WORD_PENALTY * full
            width = -1
            for j in range(i - 1, -1, -1):
                width += len(tokens[j]) + 1
                if width > max_line_chars and i - j > 1:
                    break
                if best[k - 1][j] == math.inf:
                    continue
                cost = best[k - 1][j] + width * width - bonus
                if cost < best[k][i]:
                    best[k][i], back[k][i] = cost, j
    lines = []
    i = n
    for k in range(count, 0, -1):
        j = back[k][i]
        lines.append(" ".join(tokens[j:i]))
        i = j
    return lines[::-1]


def _greedy_line_count(tokens: list[str], max_line_chars: int) -> int:
    lines, line_len = 0, 0
    for token in tokens:
        if lines and line_len + 1 + len(token) <= max_line_chars:
            line_len += 1 + len(token)
        else:
            lines, line_len = lines + 1, len(token)
    return lines


def _settle_times(cues: list[Cue]) -> None:
    """Make cue times millisecond-exact, ordered, non-overlapping and readable.

    Overlaps (from overlapping turns) are resolved by ending the earlier cue
    sooner. Then a cue too short to read is extended into the silence that
    follows, up to the next cue's start and never past MAX_CUE_SECONDS.
    """
    spans = [[round(c.start * 1000), round(c.end * 1000)] for c in cues]
    for k, current in enumerate(spans):
        previous = spans[k - 1] if k else None
        if previous is not None and current[0] < previous[1]:
            if current[0] > previous[0]:
                previous[1] = current[0]
            else:
                current[0] = previous[1]
        current[1] = max(current[1], current[0] + 1)
    for k, (cue, span) in enumerate(zip(cues, spans, strict=True)):
        start, end = span
        chars = len(" ".join(cue.lines))
        wanted = max(
            start + round(MIN_CUE_SECONDS * 1000),
            start + math.ceil(chars * 1000 / MAX_CHARS_PER_SECOND),
        )
        wanted = min(wanted, start + round(MAX_CUE_SECONDS * 1000))
        if k + 1 < len(spans):
            wanted = min(wanted, spans[k + 1][0])
        span[1] = max(end, wanted)
        cue.start, cue.end = start / 1000, span[1] / 1000
