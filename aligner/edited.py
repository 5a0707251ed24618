"""Acoustic alignments of edited text, made from the alignment of the text before the edit.

A producer fixes a misheard name or a word, and aligns again: the pieces the
acoustic aligner placed before come back over the same spans of audio with
the same words but the few edited. Aligning such a piece whole again costs
its 20 seconds of audio per edit (5.7 s of a realignment of seed-full with
36 lines edited); only the words around an edit need it. They are aligned
again between the places the unchanged words on either side had, and every
other word keeps its place. A piece with nothing like it aligned on an
earlier run, or whose edited words cannot be aligned on their own, is
aligned whole; one that found no path before its edit is cut into its
sentences as it was then, without being tried whole again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from podalign.aligner.acoustic import AcousticWord, Alignment, Stretch

# Unchanged words aligned again on either side of an edit: an edited word's neighbours
# may share a sound with it, and their old places were cut for the old word.
CONTEXT_WORDS = 2
# Above this share of a piece's words edited, aligning it whole costs about the same.
MOST_EDITED_SHARE = 0.5
# A piece aligned before is the same piece edited when it shares at least this share of
# the longer of the two spans, and its words are at least this similar (difflib's ratio):
# the boundary stage's stretches over two turns overlap the pieces of each turn, and must
# be aligned whole.
SAME_PIECE_SHARE = 0.8

Aligner = Callable[[Sequence[Stretch]], list[Alignment | None]]
# A piece from before, over much the same span as a stretch, and its alignment (None: no
# path was found); or None.
Earlier = Callable[[Stretch], tuple[Stretch, Alignment | None] | None]


@dataclass(frozen=True)
class Part:
    """Words ``first`` to ``last`` (exclusive) of an edited piece, aligned again over
    ``stretch``: it holds one unchanged word more on each side, kept where it was."""

    first: int
    last: int
    stretch: Stretch
    anchored_before: bool


@dataclass(frozen=True)
class Patch:
    """An edited piece: the places its unchanged words keep, and the parts to align again."""

    kept: list[AcousticWord | None]
    parts: list[Part]

    def apply(self, aligned: Sequence[Alignment | None]) -> Alignment | None:
        """The piece's alignment with the parts' new places; None if a part found none."""
        places = list(self.kept)
        for part, alignment in zip(self.parts, aligned, strict=True):
            if alignment is None:
                return None
            inner = alignment[1:] if part.anchored_before else alignment
            places[part.first : part.last] = inner[: part.last - part.first]
        return places


def plan_patch(stretch: Stretch, piece_before: Stretch, before: Alignment) -> Patch | None:
    """How to align ``stretch`` from ``before``, the alignment of ``piece_before``; None
    where aligning it whole is as good or the only way.

    An edit can move a piece's span too (its first word was the one edited):
    then the words at a moved edge count as edited, and so does any word whose
    old place lies outside the new span.
    """
    new = stretch.words
    kept: list[AcousticWord | None] = [None] * len(new)
    edited: list[tuple[int, int]] = []
    matcher = SequenceMatcher(a=list(piece_before.words), b=list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept[j1:j2] = before[i1:i2]
        else:
            edited.append((j1, j2))
    if not edited and (stretch.start, stretch.end) == (piece_before.start, piece_before.end):
        return None
    if stretch.start != piece_before.start:
        edited.append((0, 1))
    if stretch.end != piece_before.end:
        edited.append((len(new) - 1, len(new)))
    edited += [
        (at, at + 1)
        for at, place in enumerate(kept)
        if place is not None and not stretch.start <= place.start <= place.end <= stretch.end
    ]
    ranges = _widened(sorted(edited), len(new))
    if sum(last - first for first, last in ranges) > MOST_EDITED_SHARE * len(new):
        return None
    parts = []
    for first, last in ranges:
        anchor_before = kept[first - 1] if first > 0 else None
        anchor_after = kept[last] if last < len(new) else None
        if (first > 0 and anchor_before is None) or (last < len(new) and anchor_after is None):
            return None
        start = anchor_before.start if anchor_before is not None else stretch.start
        end = anchor_after.end if anchor_after is not None else stretch.end
        words = new[max(0, first - 1) : min(len(new), last + 1)]
        parts.append(Part(first, last, Stretch(start, end, words), anchor_before is not None))
    for first, last in ranges:
        kept[first:last] = [None] * (last - first)
    return Patch(kept, parts)


def _widened(edited: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    """The edited ranges with CONTEXT_WORDS on either side, overlapping ones merged."""
    ranges: list[tuple[int, int]] = []
    for j1, j2 in edited:
        first, last = max(0, j1 - CONTEXT_WORDS), min(size, j2 + CONTEXT_WORDS)
        if ranges and first <= ranges[-1][1]:
            ranges[-1] = (ranges[-1][0], max(ranges[-1][1], last))
        else:
            ranges.append((first, last))
    return ranges


def earlier_piece(
    stretch: Stretch, pieces: Iterable[tuple[Stretch, Alignment | None]]
) -> tuple[Stretch, Alignment | None] | None:
    """Of ``pieces`` aligned before, the one ``stretch`` is an edit of; or None."""
    best, best_ratio = None, SAME_PIECE_SHARE
    for piece, alignment in pieces:
        shared = min(piece.end, stretch.end) - max(piece.start, stretch.start)
        longer = max(piece.end - piece.start, stretch.end - stretch.start)
        if shared < SAME_PIECE_SHARE * longer:
            continue
        ratio = SequenceMatcher(a=piece.words, b=stretch.words, autojunk=False).ratio()
        if ratio >= best_ratio:
            best, best_ratio = (piece, alignment), ratio
    return best


def align_from_earlier(
    stretches: Sequence[Stretch], earlier: Earlier, align: Aligner
) -> list[Alignment | None]:
    """Align ``stretches``, each edited piece from its earlier alignment where it can be.

    A piece that found no path before its edit (where ``earlier`` offers such
    pieces) finds none now, unasked: the sentences it was cut into then are
    aligned as then, the edited one patched. Trying it whole first costs the
    most of all, both of the aligner's passes failing, and an edit seldom mends
    what broke the path.
    """
    found = [earlier(stretch) for stretch in stretches]
    failed = [f is not None and f[1] is None for f in found]
    patches = [
        None if f is None or f[1] is None else plan_patch(stretch, f[0], f[1])
        for stretch, f in zip(stretches, found, strict=True)
    ]
    parts = [part.stretch for patch in patches if patch is not None for part in patch.parts]
    whole = [
        stretch
        for stretch, patch, fails in zip(stretches, patches, failed, strict=True)
        if patch is None and not fails
    ]
    answers = align(parts + whole) if parts or whole else []
    part_answers, whole_answers = iter(answers[: len(parts)]), iter(answers[len(parts) :])
    results: list[Alignment | None] = []
    for patch, fails in zip(patches, failed, strict=True):
        if fails:
            results.append(None)
        elif patch is None:
            results.append(next(whole_answers))
        else:
            results.append(patch.apply([next(part_answers) for _ in patch.parts]))
    unpatched = [
        at
        for at, (patch, result) in enumerate(zip(patches, results, strict=True))
        if patch is not None and result is None
    ]
    if unpatched:
        again = align([stretches[at] for at in unpatched])
        for at, alignment in zip(unpatched, again, strict=True):
            results[at] = alignment
    return results
