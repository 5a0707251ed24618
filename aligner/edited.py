"""Acoustic alignments of edited text, made from the alignment of the text before the edit.

A producer fixes a misheard name or a word, and aligns again: the pieces the
acoustic aligner placed before come back over the same spans of audio with
the same words but the few edited. Aligning such a piece whole again costs
its 20 seconds of audio per edit (5.7 s of a realignment of seed-full with
36 lines edited); only the words around an edit need it. They are aligned
again between the places the unchanged words on either side had, and every
other word keeps its place. A piece with nothing like it aligned before, or
whose edited words cannot be aligned on their own, is aligned whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from podalign.aligner.acoustic import AcousticWord, Alignment, Stretch

# Unchanged words aligned again on either side of an edit: an edited word's neighbours
# may share a sound with it, and their old places were cut for the old word.
CONTEXT_WORDS = 2
# Above this share of a piece's words edited, aligning it whole costs about the same.
MOST_EDITED_SHARE = 0.5

Aligner = Callable[[Sequence[Stretch]], list[Alignment | None]]
# A piece's words and alignment from before, for a stretch over the same span; or None.
Earlier = Callable[[Stretch], tuple[Sequence[str], Alignment] | None]


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


def plan_patch(stretch: Stretch, words_before: Sequence[str], before: Alignment) -> Patch | None:
    """How to align ``stretch`` from ``before``, the alignment of ``words_before`` over the
    same span; None where aligning it whole is as good or the only way."""
    new = stretch.words
    kept: list[AcousticWord | None] = [None] * len(new)
    edited: list[tuple[int, int]] = []
    matcher = SequenceMatcher(a=list(words_before), b=list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept[j1:j2] = before[i1:i2]
        else:
            edited.append((j1, j2))
    if not edited:
        return None
    ranges = _widened(edited, len(new))
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


def align_from_earlier(
    stretches: Sequence[Stretch], earlier: Earlier, align: Aligner
) -> list[Alignment | None]:
    """Align ``stretches``, each edited piece from its earlier alignment where it can be."""
    patches = []
    for stretch in stretches:
        found = earlier(stretch)
        patches.append(None if found is None else plan_patch(stretch, *found))
    parts = [part.stretch for patch in patches if patch is not None for part in patch.parts]
    whole = [stretch for stretch, patch in zip(stretches, patches, strict=True) if patch is None]
    answers = align(parts + whole) if parts or whole else []
    part_answers, whole_answers = iter(answers[: len(parts)]), iter(answers[len(parts) :])
    results = [
        next(whole_answers)
        if patch is None
        else patch.apply([next(part_answers) for _ in patch.parts])
        for patch in patches
    ]
    failed = [
        at
        for at, (patch, result) in enumerate(zip(patches, results, strict=True))
        if patch is not None and result is None
    ]
    if failed:
        for at, alignment in zip(failed, align([stretches[at] for at in failed]), strict=True):
            results[at] = alignment
    return results
