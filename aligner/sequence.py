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
