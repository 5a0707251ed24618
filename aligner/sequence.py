"""Pairing transcript tokens with recognised tokens, in time order.

One global edit-distance alignment over the whole episode (rapidfuzz's
bit-parallel Levenshtein, so memory is a few bits per cell) keeps every
pairing monotonic: a passage said twice is matched in order, never to the
other reading. Replaced runs are paired position by position and scored
by string similarity, so a misheard "Shwartz"/"schwartz" still counts while
a cut turn paired against an ad read does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podalign.aligner.settings import SETTINGS
from rapidfuzz.distance import Levenshtein
from rapidfuzz.fuzz import ratio


@dataclass(frozen=True)
class Pair:
    """Transcript token ``ref`` heard as recognised token ``hyp``; ``similarity`` 0..1."""

    ref: int
    hyp: int
    similarity: float


def align_tokens(ref: Sequence[str], hyp: Sequence[str]) -> list[Pair]:
    """Monotonic pairs between ``ref`` (transcript) and ``hyp`` (recognised) tokens."""
    pairs: list[Pair] = []
    for op in Levenshtein.opcodes(ref, hyp):
        tag, r0, r1, h0, h1 = op.tag, op.src_start, op.src_end, op.dest_start, op.dest_end
        if tag == "equal":
            pairs += [Pair(r0 + i, h0 + i, 1.0) for i in range(r1 - r0)]
        elif tag == "replace":
            pairs += _pair_replaced(ref, hyp, r0, r1, h0, h1)
    return pairs


def _pair_replaced(
    ref: Sequence[str], hyp: Sequence[str], r0: int, r1: int, h0: int, h1: int
) -> list[Pair]:
    """Pair a replaced run; runs of unequal length are stretched onto each other."""
    n, m = r1 - r0, h1 - h0
    pairs = []
    for i in range(n):
        j = h0 + min(m - 1, (i * m) // n) if n > m else h0 + i
        pairs.append(Pair(r0 + i, j, ratio(ref[r0 + i], hyp[j]) / 100.0))
    return pairs


def is_match(pair: Pair, ref: Sequence[str], hyp: Sequence[str]) -> bool:
    """Equal tokens, or long enough tokens that differ by a letter or two ("Shwartz")."""
    if pair.similarity >= 1.0:
        return True
    short = min(len(ref[pair.ref]), len(hyp[pair.hyp])) < SETTINGS.fuzzy_min_length
    return not short and pair.similarity * 100 >= SETTINGS.fuzzy_match_percent


def extra_tokens(ref: Sequence[str], hyp: Sequence[str]) -> dict[int, list[int]]:
    """Recognised tokens no transcript token accounts for, by the transcript token they
    come right before (``len(ref)`` for the end): words the transcript left out.

    In a replaced run with more recognised tokens than written ones, the written
    ones keep the recognised tokens most like them ("thank you now" for "thank
    nell": "now" is the misheard "nell", "you" the word left out).
    """
    extras: dict[int, list[int]] = {}
    for r0, r1, h0, h1 in _changed_runs(ref, hyp):
        if not 0 < (h1 - h0) - (r1 - r0) <= SETTINGS.extra_tokens_max_run:
            continue
        kept = _most_alike(ref[r0:r1], hyp[h0:h1])
        for j in range(h1 - h0):
            if j in kept or _part_of_neighbour(ref[r0:r1], hyp[h0:h1], kept, j):
                continue
            before = r0 + sum(1 for k in kept if k < j)
            extras.setdefault(before, []).append(h0 + j)
    return extras


def _part_of_neighbour(ref: Sequence[str], hyp: Sequence[str], kept: list[int], j: int) -> bool:
    """Whether recognised token ``j`` is the rest of a written word heard in pieces
    ("qber needs" for "kubernetes"): joined to the kept token beside it, it is more like
    that word than the kept token alone."""
    for rank, k in enumerate(kept):
        if abs(k - j) != 1:
            continue
        joined = hyp[k] + hyp[j] if j > k else hyp[j] + hyp[k]
        if ratio(ref[rank], joined) > ratio(ref[rank], hyp[k]):
            return True
    return False


def _changed_runs(ref: Sequence[str], hyp: Sequence[str]) -> list[tuple[int, int, int, int]]:
    """Maximal runs (ref start, ref end, hyp start, hyp end) between equal stretches: how
    an edit script splits a run into replacements and insertions is arbitrary."""
    runs: list[tuple[int, int, int, int]] = []
    for op in Levenshtein.opcodes(ref, hyp):
        if op.tag == "equal":
            continue
        if runs and runs[-1][1] == op.src_start and runs[-1][3] == op.dest_start:
            runs[-1] = (runs[-1][0], op.src_end, runs[-1][2], op.dest_end)
        else:
            runs.append((op.src_start, op.src_end, op.dest_start, op.dest_end))
    return runs


def _most_alike(ref: Sequence[str], hyp: Sequence[str]) -> list[int]:
    """Which of ``hyp`` (longer) pair with ``ref`` in order for the greatest similarity,
    in order."""
    n, m = len(ref), len(hyp)
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        best[i][i - 1] = -1.0
        for j in range(i, m + 1):
            paired = best[i - 1][j - 1] + ratio(ref[i - 1], hyp[j - 1])
            best[i][j] = paired if j == i else max(paired, best[i][j - 1])
    kept: list[int] = []
    i, j = n, m
    while i > 0:
        if j > i and best[i][j] == best[i][j - 1]:
            j -= 1
        else:
            kept.append(j - 1)
            i, j = i - 1, j - 1
    return kept[::-1]
