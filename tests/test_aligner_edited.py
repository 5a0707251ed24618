"""An edited piece aligned again only around its edits, from its alignment before the edit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from podalign.aligner.acoustic import AcousticPool, AcousticWord, Alignment, Stretch
from podalign.aligner.edited import (
    CONTEXT_WORDS,
    Part,
    Patch,
    align_from_earlier,
    earlier_piece,
    plan_patch,
)
from podalign.audio import decode_to_file
from test_aligner_end_to_end import speech_bursts

DIALOGUE = Path(__file__).parent / "fixtures" / "dialogue.mp3"
WORDS = tuple("one two three four five six seven eight nine ten eleven twelve".split())
PIECE = Stretch(9.7, 16.2, WORDS)


def _placed(count: int, start: float = 10.0) -> Alignment:
    """A word every half second from ``start``."""
    return [
        AcousticWord(start + 0.5 * at, start + 0.5 * at + 0.4, 0.9, True, True)
        for at in range(count)
    ]


def _with(words: Sequence[str], at: int, text: str) -> tuple[str, ...]:
    return (*words[:at], text, *words[at + 1 :])


def _one_part(edited: tuple[str, ...], before: Alignment) -> tuple[Patch, Part]:
    """The plan for a piece of WORDS edited into ``edited``, which has one part to align."""
    patch = plan_patch(Stretch(9.7, 16.2, edited), PIECE, before)
    assert patch is not None
    (part,) = patch.parts
    return patch, part


def test_one_edited_word_is_aligned_again_with_its_neighbours_between_the_old_places() -> None:
    before = _placed(12)
    patch, part = _one_part(_with(WORDS, 6, "severn"), before)

    assert (part.first, part.last) == (6 - CONTEXT_WORDS, 6 + CONTEXT_WORDS + 1)
    # One unchanged word more on either side, from its old start to its old end.
    assert part.stretch.words == ("four", "five", "six", "severn", "eight", "nine", "ten")
    assert (part.stretch.start, part.stretch.end) == (before[3].start, before[9].end)
    assert patch.kept[:4] == before[:4] and patch.kept[9:] == before[9:]
    assert patch.kept[4:9] == [None] * 5


def test_an_edit_at_the_start_is_aligned_from_the_piece_start() -> None:
    before = _placed(12)
    _, part = _one_part(_with(WORDS, 0, "won"), before)

    assert (part.first, part.last) == (0, 1 + CONTEXT_WORDS)
    assert part.stretch.words == ("won", "two", "three", "four")
    assert (part.stretch.start, part.stretch.end) == (9.7, before[3].end)


def test_a_removed_word_has_the_words_around_the_gap_aligned_again() -> None:
    _, part = _one_part(WORDS[:6] + WORDS[7:], _placed(12))

    assert part.stretch.words == ("four", "five", "six", "eight", "nine", "ten")


def test_a_piece_edited_in_most_of_its_words_or_not_at_all_is_aligned_whole() -> None:
    before = _placed(12)
    assert plan_patch(PIECE, PIECE, before) is None
    rewritten = tuple(w.upper() for w in WORDS[:7]) + WORDS[7:]
    assert plan_patch(Stretch(9.7, 16.2, rewritten), PIECE, before) is None


def test_an_edit_next_to_a_word_without_a_place_is_aligned_whole() -> None:
    before = _placed(12)
    before[3] = None
    assert plan_patch(Stretch(9.7, 16.2, _with(WORDS, 6, "severn")), PIECE, before) is None


def test_an_edit_that_moved_the_piece_start_aligns_its_first_words_again() -> None:
    """The edited first word was paired elsewhere, and the piece now starts earlier: the
    old places of the words near the new edge were cut by the old edge."""
    before = _placed(12)
    stretch = Stretch(9.2, 16.2, _with(WORDS, 0, "won"))

    patch = plan_patch(stretch, PIECE, before)

    assert patch is not None
    (part,) = patch.parts
    assert (part.first, part.last) == (0, 1 + CONTEXT_WORDS)
    assert part.stretch.start == 9.2


def test_an_unchanged_word_whose_old_place_is_outside_the_new_span_is_aligned_again() -> None:
    """An edit just after the piece moved its end earlier, past the last word's old end."""
    before = _placed(12)
    stretch = Stretch(9.7, 15.5, WORDS)

    patch = plan_patch(stretch, PIECE, before)

    assert patch is not None
    (part,) = patch.parts
    assert (part.first, part.last) == (11 - CONTEXT_WORDS, 12)
    assert part.stretch.words == WORDS[8:] and part.stretch.end == 15.5


def test_the_earlier_piece_is_the_same_span_with_similar_words() -> None:
    place = AcousticWord(10.0, 10.4, 0.9, True, True)
    same_span = (Stretch(9.7, 16.2, _with(WORDS, 6, "sven")), [place] * 12)
    nudged = (Stretch(9.6, 16.2, WORDS), [place] * 12)
    other_words = (Stretch(9.7, 16.2, tuple(w.upper() for w in WORDS)), [place] * 12)
    other_span = (Stretch(13.0, 22.0, WORDS), [place] * 12)
    edited = Stretch(9.7, 16.2, _with(WORDS, 6, "severn"))

    assert earlier_piece(edited, [other_words, nudged, other_span]) == nudged
    assert earlier_piece(edited, [same_span]) == same_span
    assert earlier_piece(edited, [other_words, other_span]) is None


def _recording(answer):
    asked: list[Stretch] = []

    def align(stretches: Sequence[Stretch]) -> list[Alignment | None]:
        asked.extend(stretches)
        return [answer(s) for s in stretches]

    return align, asked


def test_only_the_edited_part_is_asked_for_and_the_rest_keeps_its_places() -> None:
    before = _placed(12)
    edited = Stretch(9.7, 16.2, _with(WORDS, 6, "severn"))
    fresh = Stretch(30.0, 31.0, ("new", "piece"))
    new_places = {w: AcousticWord(20.0 + i, 20.5 + i, 0.8, True, True) for i, w in enumerate(WORDS)}
    align, asked = _recording(lambda s: [new_places.get(w, new_places["seven"]) for w in s.words])

    (patched, whole) = align_from_earlier(
        [edited, fresh], lambda s: (PIECE, before) if s is edited else None, align
    )

    assert [s.words for s in asked] == [
        ("four", "five", "six", "severn", "eight", "nine", "ten"),
        ("new", "piece"),
    ]
    assert patched is not None and whole is not None
    assert patched[:4] == before[:4] and patched[9:] == before[9:]
    assert patched[4:9] == [new_places[w] for w in ("five", "six", "seven", "eight", "nine")]
    assert len(whole) == 2


def test_a_piece_whose_edited_part_finds_no_path_is_aligned_whole() -> None:
    before = _placed(12)
    edited = Stretch(9.7, 16.2, _with(WORDS, 6, "severn"))
    align, asked = _recording(lambda s: None if len(s.words) < 12 else _placed(12, 40.0))

    (aligned,) = align_from_earlier([edited], lambda s: (PIECE, before), align)

    assert [len(s.words) for s in asked] == [7, 12]
    assert aligned == _placed(12, 40.0)


def test_a_piece_that_found_no_path_before_its_edit_finds_none_unasked() -> None:
    edited = Stretch(9.7, 16.2, _with(WORDS, 6, "severn"))
    align, asked = _recording(lambda s: _placed(len(s.words)))

    (aligned,) = align_from_earlier([edited], lambda s: (PIECE, None), align)

    assert aligned is None and asked == []


@pytest.mark.slow
def test_on_real_speech_the_patched_alignment_matches_aligning_the_edited_piece_whole(
    tmp_path: Path,
) -> None:
    pcm = decode_to_file(DIALOGUE, tmp_path / "dialogue.pcm").pcm
    start, end = speech_bursts(DIALOGUE)[1]
    said = tuple("Thanks for having me. I have been building cloud software for 10 years.".split())
    edited = _with(said, 7, "built")
    with AcousticPool(workers=1) as pool:
        before = pool.align(pcm, [Stretch(start - 0.3, end + 0.3, said)])[0]
        assert before is not None
        stretch = Stretch(start - 0.3, end + 0.3, edited)
        (whole,) = pool.align(pcm, [stretch])
        (patched,) = align_from_earlier(
            [stretch],
            lambda s: (Stretch(stretch.start, stretch.end, said), before),
            lambda asked: pool.align(pcm, asked),
        )

    # "built" where "building" was said: where it ends has no one answer.
    assert whole is not None and patched is not None
    for at, (a, b) in enumerate(zip(whole, patched, strict=True)):
        assert a is not None and b is not None
        realigned = 7 - CONTEXT_WORDS <= at <= 7 + CONTEXT_WORDS
        tolerance = 0.08 if realigned else 0.0
        assert abs(a.start - b.start) <= tolerance and abs(a.end - b.end) <= tolerance, at
