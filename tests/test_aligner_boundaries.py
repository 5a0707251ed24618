"""Turn boundaries with impossible times, re-examined by the acoustic aligner over both turns."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
from podalign.aligner import trace
from podalign.aligner.acoustic import AcousticPool, AcousticWord, Alignment, Stretch
from podalign.aligner.boundaries import pull_stretched_openings, reexamine_boundaries
from podalign.aligner.settings import SETTINGS
from podalign.audio import PcmFile, decode_to_file
from podalign.transcripts import parse_transcript
from podalign.transcripts.model import Transcript, TurnStatus
from test_aligner_end_to_end import speech_bursts

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = FIXTURES / "dialogue.mp3"

Times = list[tuple[float, float] | None]


def _timed(text: bytes, times: Times) -> Transcript:
    """A transcript whose spoken words get ``times`` in order (None: the turn was not found)."""
    transcript = parse_transcript(text, "t.txt")
    words = [w for turn in transcript.turns for w in turn.words]
    for word, time in zip(words, times, strict=True):
        word.start, word.end = time or (None, None)
    for turn in transcript.turns:
        if turn.words[0].start is None:
            turn.status, turn.confidence = TurnStatus.NOT_FOUND, 0.0
            continue
        turn.start, turn.end = turn.words[0].start, turn.words[-1].end
        turn.status, turn.confidence = TurnStatus.ALIGNED, 0.9
    return transcript


def _answering(*answers: Times):
    """An aligner giving each stretch it is asked about the next of ``answers``."""
    asked: list[Stretch] = []
    pending = list(answers)

    def align(stretches: Sequence[Stretch]) -> list[Alignment | None]:
        asked.extend(stretches)
        return [
            [AcousticWord(s, e, 0.9, True, True) for s, e in pending.pop(0)] if pending else None
            for _ in stretches
        ]

    return align, asked


# "Good luck with them." squeezed into 0.36 s so that the reply's "You know," could sit
# on it; the reply's third word is where it was really said.
SQUEEZED = (
    b"Dana: Thanks for calling. Good luck with them.\n\nMarcus: You know, we get calls.\n",
    [
        (10.0, 10.3),
        (10.3, 10.5),
        (10.5, 11.0),
        (11.0, 11.09),
        (11.09, 11.18),
        (11.18, 11.27),
        (11.27, 11.36),
        (11.7, 11.8),
        (11.8, 11.9),
        (13.9, 14.1),
        (14.1, 14.3),
        (14.3, 14.8),
    ],
)
ACOUSTIC = [(11.7, 11.9), (11.9, 12.1), (12.1, 12.3), (12.3, 12.7), (13.0, 13.2), (13.3, 13.8)]
ACOUSTIC_HEAD = [(13.9, 14.1), (14.1, 14.3), (14.3, 14.8)]


def test_squeezed_words_and_the_reply_on_them_are_split_again_over_both_turns() -> None:
    transcript = _timed(*SQUEEZED)
    dana, marcus = transcript.turns
    align, asked = _answering(ACOUSTIC + ACOUSTIC_HEAD)

    with trace.tracing() as recorded:
        reexamine_boundaries(transcript, 60.0, align)

    (stretch,) = asked
    assert stretch.words == ("Good", "luck", "with", "them.", "You", "know,", "we", "get", "calls.")
    assert (stretch.start, stretch.end) == (11.0 - SETTINGS.acoustic_margin_seconds, 14.8 + 0.3)
    assert dana.end == 12.7 and marcus.start == 13.0
    assert [w.start for w in marcus.words] == [13.0, 13.3, 13.9, 14.1, 14.3]
    steps = recorded.steps[marcus.index]
    assert "re-examined" in steps[-1]["decision"] and "squeezed" in steps[-1]["why"]
    # Moved 1.3 s: Whisper's pairing and the acoustic aligner disagree by more than a word.
    assert marcus.confidence == SETTINGS.doubtful_confidence
    assert "moved the start 1.30 s" in steps[-1]["why"]


def test_a_turn_with_estimated_times_is_re_examined_with_its_sentence_before() -> None:
    """Where an estimated turn's last sentence begins is a guess: the stretch starts with
    the sentence before, so its first word is not stretched over that sentence."""
    transcript = _timed(*SQUEEZED)
    dana, _ = transcript.turns
    dana.status = TurnStatus.ESTIMATED
    align, asked = _answering()

    reexamine_boundaries(transcript, 60.0, align)

    assert asked[0].words[:4] == ("Thanks", "for", "calling.", "Good")
    assert asked[0].start == 10.0 - SETTINGS.acoustic_margin_seconds


def test_a_sound_later_start_moves_when_the_estimated_turn_before_ends_after_it() -> None:
    """Marcus's opening looks possible, so only Dana's end would move; but her guessed
    times put "Good luck with them." 0.7 s early, and the aligner's end for her falls
    after his old start. The aligner's split of both is possible: it is taken."""
    transcript = _timed(
        SQUEEZED[0],
        [(10.0, 10.3), (10.3, 10.5), (10.5, 11.0), (11.1, 11.2), (11.2, 11.3), (11.3, 11.4)]
        + [(11.4, 11.5), (11.5, 11.6), (11.7, 12.0), (13.0, 13.1), (13.1, 13.3), (13.3, 13.8)],
    )
    dana, marcus = transcript.turns
    dana.status = TurnStatus.ESTIMATED
    align, _ = _answering(
        [(10.0, 10.3), (10.3, 10.5), (10.5, 11.0), (11.5, 11.7), (11.7, 11.9), (11.9, 12.1)]
        + [(12.1, 12.5), (12.8, 12.9), (12.9, 13.0), (13.0, 13.1), (13.1, 13.3), (13.3, 13.8)]
    )

    reexamine_boundaries(transcript, 60.0, align)

    assert dana.end == 12.5 and marcus.start == 12.8


def test_a_start_moved_less_than_a_word_or_two_keeps_its_confidence() -> None:
    transcript = _timed(*SQUEEZED)
    dana, marcus = transcript.turns
    tail = [(11.3, 11.5), (11.5, 11.7), (11.7, 11.9), (11.9, 12.3)]
    align, _ = _answering(tail + [(12.5, 12.7), (12.8, 13.3)] + ACOUSTIC_HEAD)

    reexamine_boundaries(transcript, 60.0, align)

    assert dana.end == 12.3 and marcus.start == 12.5
    assert marcus.confidence == 0.9


def test_an_impossible_answer_is_refused_and_the_later_turn_marked_for_a_check() -> None:
    transcript = _timed(*SQUEEZED)
    before = [(w.start, w.end) for t in transcript.turns for w in t.words]
    squeezed_again = [(11.0, 11.01), (11.01, 11.02), (11.02, 11.03), (11.03, 11.04)]
    align, _ = _answering(squeezed_again + [(11.7, 11.8), (11.8, 11.9)] + ACOUSTIC_HEAD)

    reexamine_boundaries(transcript, 60.0, align)

    assert [(w.start, w.end) for t in transcript.turns for w in t.words] == before
    assert transcript.turns[1].confidence == SETTINGS.doubtful_confidence
    assert transcript.turns[0].confidence == 0.9


def test_a_boundary_the_aligner_cannot_place_keeps_its_times_and_is_marked() -> None:
    transcript = _timed(*SQUEEZED)
    align, asked = _answering()

    reexamine_boundaries(transcript, 60.0, align)

    assert len(asked) == 1
    assert transcript.turns[1].start == 11.7
    assert transcript.turns[1].confidence == SETTINGS.doubtful_confidence


def test_a_sound_later_turn_keeps_its_start_when_only_the_earlier_ones_end_was_squeezed() -> None:
    """The acoustic aligner is trusted to mend what was impossible, not to move what was
    not: a reply whose own opening is possible stays where it was heard."""
    text = b"Ann: We are done here now.\n\nBo: Oh, that is good.\n"
    times: Times = [
        (5.0, 5.2),
        (5.2, 5.4),
        (5.4, 5.7),
        (5.7, 5.7),
        (5.7, 5.7),
        (6.5, 6.7),
        (6.8, 7.0),
        (7.0, 7.1),
        (7.1, 7.5),
    ]
    transcript = _timed(text, times)
    elsewhere = [(5.0, 5.2), (5.2, 5.4), (5.4, 5.7), (5.7, 5.9), (5.9, 6.2)]
    align, _ = _answering(elsewhere + [(6.2, 6.4), (6.4, 6.6), (6.6, 6.8), (6.8, 7.2)])

    reexamine_boundaries(transcript, 60.0, align)

    ann, bo = transcript.turns
    assert [(w.start, w.end) for w in ann.words][-2:] == [(5.7, 5.9), (5.9, 6.2)]
    assert [w.start for w in bo.words] == [6.5, 6.8, 7.0, 7.1]


def test_a_short_reply_whisper_missed_is_placed_between_its_neighbours() -> None:
    """ "Right." was swallowed by the end of the turn before: aligned with both neighbours,
    it finds its own place, and the earlier turn's last word moves back where it was said."""
    text = b"June: Hold a line on it.\n\nRafael: Right.\n\nJune: When I opened it.\n"
    times: Times = [
        (120.0, 120.2),
        (120.2, 120.25),
        (120.25, 120.6),
        (120.6, 120.9),
        (121.33, 121.51),
        None,
        (122.44, 122.53),
        (122.53, 122.74),
        (122.74, 123.04),
        (123.04, 123.4),
    ]
    transcript = _timed(text, times)
    placed = [(120.0, 120.2), (120.2, 120.25), (120.25, 120.6), (120.6, 120.8), (120.8, 121.3)]
    align, asked = _answering(
        placed
        + [(121.3, 121.59)]
        + [(122.4, 122.53), (122.53, 122.74), (122.74, 123.04), (123.04, 123.4)]
    )

    reexamine_boundaries(transcript, 300.0, align)

    june, rafael, again = transcript.turns
    assert asked[0].words[5] == "Right."
    assert (rafael.start, rafael.end) == (121.3, 121.59)
    assert (rafael.status, rafael.confidence) == (
        TurnStatus.ESTIMATED,
        SETTINGS.reexamined_turn_confidence,
    )
    assert june.end == 121.3 and again.start == 122.4


def test_a_boundary_with_no_split_is_tried_again_once_its_neighbour_moved_the_turn() -> None:
    """Marcus's guessed times end before he really stops, so his boundary with Dana finds
    no path in a stretch cut there; his boundary with Lee moves his last words onto the
    speech, and with those times the first boundary is tried again and found. No check
    is asked for: the failure was only the guessed end."""
    text = b"Dana: Thanks for calling.\n\nMarcus: You know, we get calls.\n\nLee: Right. See you.\n"
    times: Times = [(10.0, 10.4), (10.4, 10.6), (10.6, 11.2)]
    times += [(11.4, 11.6), (11.6, 11.8), (11.8, 12.0), (12.0, 12.2), (12.2, 12.4)]
    times += [(12.5, 12.8), (14.5, 14.8), (14.8, 15.2)]
    transcript = _timed(text, times)
    dana, marcus, lee = transcript.turns
    marcus.status = TurnStatus.ESTIMATED
    marcus_heard = [(11.5, 11.8), (11.8, 12.1), (12.2, 12.4), (12.4, 12.9), (13.0, 13.6)]
    answers = iter(
        [
            None,
            [*marcus_heard, (14.0, 14.3), (14.5, 14.8), (14.8, 15.2)],
            [(10.0, 10.4), (10.4, 10.6), (10.6, 11.1), *marcus_heard],
        ]
    )
    asked: list[Stretch] = []

    def align(stretches: Sequence[Stretch]) -> list[Alignment | None]:
        asked.extend(stretches)
        placed = [next(answers) for _ in stretches]
        return [p and [AcousticWord(s, e, 0.9, True, True) for s, e in p] for p in placed]

    reexamine_boundaries(transcript, 60.0, align)

    assert [s.words[0] for s in asked] == ["Thanks", "You", "Thanks"]
    assert asked[2].end == 13.6 + SETTINGS.acoustic_margin_seconds
    assert (dana.end, marcus.start, marcus.end, lee.start) == (11.1, 11.5, 13.6, 14.0)
    assert marcus.confidence == 0.9


def test_possible_boundaries_are_left_alone() -> None:
    text = b"Ann: We are done here.\n\nBo: Oh, that is good.\n"
    times: Times = [
        (5.0, 5.2),
        (5.2, 5.4),
        (5.4, 5.7),
        (5.7, 6.1),
        (6.5, 6.7),
        (6.8, 7.0),
        (7.0, 7.1),
        (7.1, 7.5),
    ]
    transcript = _timed(text, times)
    align, asked = _answering()

    reexamine_boundaries(transcript, 60.0, align)

    assert asked == []
    assert [t.confidence for t in transcript.turns] == [0.9, 0.9]


CUT_REPLY = b"Ann: We are done.\n\nBo: This whole reply was cut in editing.\n\nAnn: Oh, Now.\n"


def test_turns_a_long_unfound_turn_or_a_long_gap_parts_are_not_examined_together() -> None:
    """A long turn between two found ones, with room for it, may be there; music parts
    turns far apart: neither pair need meet, so neither is aligned as one stretch."""
    cut = _timed(
        CUT_REPLY, [(5.0, 5.2), (5.2, 5.4), (5.4, 5.4)] + [None] * 7 + [(6.5, 6.6), (6.6, 6.7)]
    )
    apart = _timed(
        b"Ann: We are done.\n\nBo: Oh, now.\n",
        [
            (5.0, 5.2),
            (5.2, 5.4),
            (5.4, 5.4),
            (5.4 + SETTINGS.boundary_max_gap_seconds + 1, 11.6),
            (11.6, 11.6),
        ],
    )
    align, asked = _answering()

    reexamine_boundaries(cut, 60.0, align)
    reexamine_boundaries(apart, 60.0, align)

    assert asked == []


def test_turns_a_long_unfound_turn_cannot_fit_between_meet_and_are_examined_together() -> None:
    """Seven words cannot be said in the 0.4 s between the two found turns: the reply was
    cut from the audio, and the squeezed "done." is re-examined with the turn after it."""
    transcript = _timed(
        CUT_REPLY, [(5.0, 5.2), (5.2, 5.4), (5.4, 5.4)] + [None] * 7 + [(5.8, 5.9), (5.9, 6.0)]
    )
    align, asked = _answering([(5.0, 5.2), (5.2, 5.35), (5.35, 5.7), (5.8, 5.9), (5.9, 6.0)])

    reexamine_boundaries(transcript, 60.0, align)

    assert [stretch.words for stretch in asked] == [("We", "are", "done.", "Oh,", "Now.")]
    assert transcript.turns[0].end == pytest.approx(5.7)
    assert transcript.turns[1].status == TurnStatus.NOT_FOUND


@pytest.fixture(scope="module")
def pcm(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    return decode_to_file(DIALOGUE, tmp_path_factory.mktemp("boundaries") / "dialogue.pcm").pcm


def test_a_real_boundary_squeezed_by_a_wrong_pairing_comes_back_onto_the_speech(pcm) -> None:
    """Real speech and the real acoustic aligner: the first turn's last three words are
    squeezed into its last 30 ms and the second turn's first two words moved onto them.
    Re-examined, both turns' edges come back to their bursts of sound."""
    transcript = parse_transcript((FIXTURES / "dialogue.txt").read_bytes(), "dialogue.txt")
    bursts = speech_bursts(DIALOGUE)
    for turn, (onset, offset) in zip(transcript.turns, bursts, strict=True):
        step = (offset - onset) / len(turn.words)
        for at, word in enumerate(turn.words):
            word.start, word.end = onset + at * step, onset + (at + 1) * step
        turn.status, turn.confidence = TurnStatus.ALIGNED, 0.9
    first, second = transcript.turns[:2]
    squeezed_from = first.words[-1].end - 0.03
    for at, word in enumerate(first.words[-3:]):
        word.start = word.end = squeezed_from + at * 0.01
    first.words[-1].end = squeezed_from + 0.03
    tail_start = first.words[-4].start
    for word in second.words[:2]:
        length = word.end - word.start
        word.start, word.end = tail_start + 0.1, tail_start + 0.1 + length
        tail_start += length
    for turn in transcript.turns:
        turn.start, turn.end = turn.words[0].start, turn.words[-1].end

    with AcousticPool(workers=1) as pool:
        reexamine_boundaries(transcript, pcm.duration, lambda s: pool.align(pcm, s))

    (first_end, second_start) = bursts[0][1], bursts[1][0]
    assert abs(first.end - first_end) <= 0.15
    assert abs(second.start - second_start) <= 0.1
    # Moved back by more than a word: right here, but a move that size asks for a check.
    assert second.confidence == SETTINGS.doubtful_confidence


def test_an_opening_word_stretched_over_a_long_pause_is_pulled_next_to_the_next_word() -> None:
    """A recap after speech the transcript does not hold: "A" paired with a stray "a" 2 s
    early and "slightly" stretched over 2.4 s, "different story." in place. The opening is
    said right before "different", at a usual pace, and the turn asks for a check."""
    transcript = _timed(
        b"Desmond: A slightly different story.\n",
        [(433.22, 433.56), (433.56, 435.92), (435.98, 436.41), (436.41, 436.87)],
    )
    (turn,) = transcript.turns

    with trace.tracing() as recorded:
        pull_stretched_openings(transcript)

    a, slightly, different, _ = turn.words
    assert slightly.end == different.start == 435.98
    assert 435.4 < slightly.start < 435.6 and 435.3 < a.start < slightly.start
    assert turn.start == a.start
    assert turn.confidence == SETTINGS.doubtful_confidence
    assert "check this turn" in recorded.steps[turn.index][-1]["decision"]


def test_an_opening_sentence_stranded_far_before_the_rest_of_its_turn_is_pulled_to_it() -> None:
    """ "Okay." paired with a stray "okay" heard in the music 22 s before the turn."""
    transcript = _timed(
        b"Itiel: Okay. It's like a story.\n",
        [(1692.29, 1693.49), (1715.26, 1715.56), (1715.56, 1715.86), (1715.86, 1715.98)]
        + [(1715.98, 1716.4)],
    )
    (turn,) = transcript.turns

    pull_stretched_openings(transcript)

    okay, its = turn.words[:2]
    assert okay.end == its.start == 1715.26
    assert 1714.9 < okay.start < 1715.1 and turn.start == okay.start
    assert turn.confidence == SETTINGS.doubtful_confidence


@pytest.mark.parametrize(
    ("text", "times"),
    [
        (b"Bo: Well I think so.\n", [(10.0, 10.3), (11.6, 11.7), (11.75, 12.0), (12.0, 12.3)]),
        (b"Bo: Okay. I think so.\n", [(10.0, 10.3), (13.0, 13.1), (13.2, 13.5), (13.5, 13.8)]),
    ],
    ids=["mid-sentence", "between sentences"],
)
def test_a_pause_a_speaker_can_make_moves_nothing(text: bytes, times: Times) -> None:
    transcript = _timed(text, times)

    pull_stretched_openings(transcript)

    assert [w.start for w in transcript.turns[0].words] == [t[0] for t in times]
    assert transcript.turns[0].confidence == 0.9


def test_a_first_word_the_aligner_put_before_its_old_start_keeps_its_old_times() -> None:
    """The stretch's first word pinned to its edge and ending before where the word was:
    the aligner did not find it (it took the previous speaker's last word), so it stays."""
    transcript = _timed(*SQUEEZED)
    dana_start = transcript.turns[0].words[3].start
    align, asked = _answering(ACOUSTIC + ACOUSTIC_HEAD)

    def edge_pinned(stretches):
        (alignment,) = align(stretches)
        first = AcousticWord(stretches[0].start, dana_start - 0.1, 0.9, False, True)
        return [[first, *alignment[1:]]]

    reexamine_boundaries(transcript, 60.0, edge_pinned)

    good = transcript.turns[0].words[3]
    assert (good.start, good.end) == (11.0, 11.09)
    assert transcript.turns[1].start == 13.0
