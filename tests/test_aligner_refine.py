"""aligner.refine: long-word clamp after sentence ends, turn edges snapped onto the audio."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.refine import clamp_long_words, refine_turn_edges
from podalign.audio import Envelope
from podalign.transcripts.model import Transcript, Turn, TurnStatus, Word

QUIET, LOUD = -80.0, -20.0


def no_speech(start: float, end: float) -> bool:
    return False


def refine(
    transcript: Transcript,
    envelope: Envelope,
    heard: Sequence[RecognisedWord] = (),
    is_speech: Callable[[float, float], bool] = no_speech,
) -> None:
    """refine_turn_edges; by default nothing before a turn is speech it could claim."""
    refine_turn_edges(transcript, envelope, heard, is_speech)


def words(*spec: tuple[str, float, float]) -> list[RecognisedWord]:
    return [RecognisedWord(text, start, end, 0.9) for text, start, end in spec]


def envelope(*segments: tuple[float, float]) -> Envelope:
    """An envelope of (seconds, dB) segments, 10 ms per frame."""
    parts = [np.full(round(seconds * 100), db, dtype=np.float32) for seconds, db in segments]
    return Envelope(db=np.concatenate(parts))


def timed_turn(index: int, spec: list[tuple[str, float | None, float | None]]) -> Turn:
    turn_words = [Word(text, start, end, not text.startswith("[")) for text, start, end in spec]
    timed = [w for w in turn_words if w.start is not None]
    return Turn(
        index=index,
        speaker="Alice",
        text=" ".join(text for text, _, _ in spec),
        start=timed[0].start if timed else None,
        end=timed[-1].end if timed else None,
        status=TurnStatus.ALIGNED if timed else TurnStatus.NOT_FOUND,
        words=turn_words,
    )


# --- clamp_long_words ----------------------------------------------------------------------

SENTENCE = [
    ("Welcome", 0.0, 0.3),
    ("to", 0.3, 0.5),
    ("the", 0.5, 0.7),
    ("show", 0.7, 1.0),
    (".", 1.0, 1.0),
    # "Today" swallowed the pause after the full stop: it is heard 1.0 .. 2.6.
    ("Today", 1.0, 2.6),
    ("we", 2.6, 2.8),
    ("talk", 2.8, 3.1),
]


def test_a_word_after_a_sentence_end_is_shortened_from_its_start() -> None:
    clamped = clamp_long_words(words(*SENTENCE))
    today = clamped[5]
    assert today.end == 2.6
    assert 2.0 <= today.start < 2.6
    assert today.end - today.start <= 2 * 0.7
    assert clamped[:5] == words(*SENTENCE)[:5]
    assert clamped[6:] == words(*SENTENCE)[6:]


def test_a_word_after_a_full_stop_attached_to_the_previous_word_is_shortened() -> None:
    spec = [("Welcome", 0.0, 0.3), ("to", 0.3, 0.5), ("the", 0.5, 0.7), ("show.", 0.7, 1.0)]
    spec += [("Today", 1.0, 2.6), ("we", 2.6, 2.8), ("talk", 2.8, 3.1)]
    clamped = clamp_long_words(words(*spec))
    assert clamped[4].end == 2.6 and clamped[4].start >= 2.0


def test_a_word_before_a_sentence_end_is_shortened_from_its_end() -> None:
    spec = [("we", 0.0, 0.2), ("talk", 0.2, 0.5), ("about", 0.5, 0.8), ("the", 0.8, 1.0)]
    spec += [("edge", 1.0, 2.8), (".", 2.8, 2.8), ("Thanks", 4.0, 4.3)]
    clamped = clamp_long_words(words(*spec))
    edge = clamped[4]
    assert edge.start == 1.0
    assert 1.0 < edge.end <= 1.6


def test_the_first_word_is_shortened_from_its_start() -> None:
    # The first word of a window often swallows the music before it.
    spec = [("Welcome", 0.0, 2.5), ("to", 2.5, 2.7), ("the", 2.7, 2.9), ("show", 2.9, 3.2)]
    clamped = clamp_long_words(words(*spec))
    assert clamped[0].end == 2.5 and clamped[0].start >= 1.9


def test_long_words_inside_a_sentence_and_short_words_are_left_alone() -> None:
    spec = [("we", 0.0, 0.2), ("talk", 0.2, 0.5), ("about", 0.5, 2.0), ("the", 2.0, 2.2)]
    spec += [("edge", 2.2, 2.5), ("today", 2.5, 2.8)]
    original = words(*spec)
    assert clamp_long_words(original) == original


def test_clamp_returns_a_new_list_and_handles_nothing() -> None:
    original = words(*SENTENCE)
    copy = list(original)
    clamp_long_words(original)
    assert original == copy
    assert clamp_long_words([]) == []
    assert clamp_long_words(words((".", 1.0, 1.0))) == words((".", 1.0, 1.0))


# --- refine_turn_edges --------------------------------------------------------------------


def test_a_turn_start_moves_forward_to_the_onset_of_sound() -> None:
    # Quiet until 2.0 s, speech 2.0 .. 5.0 s, quiet after.
    env = envelope((2.0, QUIET), (3.0, LOUD), (2.0, QUIET))
    turn = timed_turn(0, [("Welcome", 1.7, 2.3), ("to", 2.3, 2.6), ("the", 2.6, 4.5)])
    t = Transcript(turns=[turn])
    refine(t, env)
    assert turn.start == pytest.approx(2.0, abs=0.011)
    assert turn.words[0].start == turn.start
    assert turn.words[0].end == 2.3


def test_a_turn_start_moves_back_to_the_onset_it_missed() -> None:
    env = envelope((2.0, QUIET), (3.0, LOUD), (2.0, QUIET))
    turn = timed_turn(0, [("Welcome", 2.15, 2.5), ("to", 2.5, 2.8), ("the", 2.8, 4.6)])
    refine(Transcript(turns=[turn]), env)
    assert turn.start == pytest.approx(2.0, abs=0.011)


def test_a_turn_end_moves_back_to_the_offset_of_sound() -> None:
    env = envelope((2.0, QUIET), (3.0, LOUD), (2.0, QUIET))
    turn = timed_turn(0, [("Welcome", 2.0, 2.5), ("to", 2.5, 4.5), ("me.", 4.5, 5.4)])
    refine(Transcript(turns=[turn]), env)
    assert turn.end == pytest.approx(5.0, abs=0.011)
    assert turn.words[-1].end == turn.end
    assert turn.words[-1].start == 4.5


def test_onsets_of_each_turn_are_found_separately() -> None:
    env = envelope((1.0, QUIET), (2.0, LOUD), (1.5, QUIET), (2.0, LOUD), (1.0, QUIET))
    first = timed_turn(0, [("One", 0.8, 1.3), ("two", 1.3, 2.4), ("three", 2.4, 3.2)])
    second = timed_turn(1, [("Four", 4.2, 4.8), ("five", 4.8, 6.0), ("six", 6.0, 6.6)])
    refine(Transcript(turns=[first, second]), env)
    assert first.start == pytest.approx(1.0, abs=0.011)
    assert first.end == pytest.approx(3.0, abs=0.011)
    assert second.start == pytest.approx(4.5, abs=0.011)
    assert second.end == pytest.approx(6.5, abs=0.011)


def test_untimed_turns_and_notes_are_left_alone() -> None:
    env = envelope((2.0, QUIET), (3.0, LOUD), (2.0, QUIET))
    missing = timed_turn(0, [("Before", None, None), ("we", None, None)])
    noted = timed_turn(1, [("[laughter]", None, None), ("Yes", 1.8, 2.4), ("indeed", 2.4, 4.0)])
    refine(Transcript(turns=[missing, noted]), env)
    assert missing.start is None and missing.end is None
    assert all(w.start is None for w in missing.words)
    assert noted.words[0].start is None
    assert noted.start == pytest.approx(2.0, abs=0.011) == noted.words[1].start


def test_an_empty_envelope_changes_nothing() -> None:
    turn = timed_turn(0, [("Welcome", 1.7, 2.3), ("home", 2.3, 2.8)])
    refine(Transcript(turns=[turn]), Envelope(db=np.zeros(0, dtype=np.float32)))
    assert (turn.start, turn.end) == (1.7, 2.8)


def test_back_to_back_turns_do_not_overlap_after_refinement() -> None:
    # A quick reply: sound runs on from 2.0 s to 6.0 s; Whisper put the handover at 4.0 s.
    rng = np.random.default_rng(0)
    speech = rng.uniform(-30.0, -15.0, 400).astype(np.float32)
    env = Envelope(db=np.concatenate([np.full(200, QUIET), speech, np.full(200, QUIET)]))
    asked = timed_turn(
        0, [("So", 2.0, 2.5), ("you", 2.5, 3.2), ("agree", 3.2, 3.6), ("now?", 3.6, 4.0)]
    )
    reply = timed_turn(1, [("Yes", 4.0, 4.4), ("I", 4.4, 5.0), ("do.", 5.0, 6.0)])
    refine(Transcript(turns=[asked, reply]), env)
    assert asked.start == pytest.approx(2.0, abs=0.011)
    assert reply.end == pytest.approx(6.0, abs=0.011)
    assert asked.end <= reply.start
    assert asked.words[-1].end <= reply.words[0].start


# --- speech before a turn that no turn holds ----------------------------------------------


def speechlike(seconds: float, seed: int = 0) -> tuple[float, np.ndarray]:
    return seconds, np.random.default_rng(seed).uniform(-30.0, -15.0, round(seconds * 100))


def envelope_of(*parts: tuple[float, float | np.ndarray]) -> Envelope:
    """(seconds, dB level or frame levels) parts, 10 ms per frame."""
    frames = [
        np.full(round(seconds * 100), level) if np.isscalar(level) else level
        for seconds, level in parts
    ]
    return Envelope(db=np.concatenate(frames).astype(np.float32))


class SpeechCheck:
    """A stand-in for the VAD: answers ``verdict`` and records what it was asked."""

    def __init__(self, verdict: bool) -> None:
        self.verdict = verdict
        self.asked: list[tuple[float, float]] = []

    def __call__(self, start: float, end: float) -> bool:
        self.asked.append((start, end))
        return self.verdict


# Sound from 2.0 s to 5.0 s; Whisper heard the turn only from 3.0 s ("It's" was missed).
CLAIM_ENV = envelope_of((2.0, QUIET), speechlike(3.0), (2.0, QUIET))


def late_turn() -> Turn:
    return timed_turn(
        0, [("It's", None, None), ("like", 3.0, 3.3), ("one", 3.3, 3.7), ("thing.", 3.7, 4.95)]
    )


def own_words() -> list[RecognisedWord]:
    return words(("like", 3.0, 3.3), ("one", 3.3, 3.7), ("thing.", 3.7, 4.95))


def test_a_turn_claims_the_speech_just_before_it() -> None:
    turn = late_turn()
    check = SpeechCheck(True)
    refine(Transcript(turns=[turn]), CLAIM_ENV, own_words(), check)
    assert turn.start == pytest.approx(2.0, abs=0.011)
    assert turn.words[1].start == turn.start  # the first timed word takes the claimed stretch
    assert turn.words[0].start is None
    assert len(check.asked) == 1
    asked_from, asked_to = check.asked[0]
    assert asked_from == pytest.approx(2.0, abs=0.011) and 2.0 < asked_to <= 3.0


def test_sound_that_is_not_speech_is_not_claimed() -> None:
    turn = late_turn()
    refine(Transcript(turns=[turn]), CLAIM_ENV, own_words(), SpeechCheck(False))
    assert turn.start >= 2.6  # the onset search alone moves it back a little at most


def test_speech_with_words_no_turn_holds_is_not_claimed() -> None:
    # An ad read or a cold open: Whisper heard words there that no turn has.
    turn = late_turn()
    heard = words(("buy", 2.1, 2.3), ("now", 2.35, 2.6)) + own_words()
    refine(Transcript(turns=[turn]), CLAIM_ENV, heard, SpeechCheck(True))
    assert turn.start >= 2.6


@pytest.mark.parametrize("misheard", ["Okay", "I'm"])  # "I'm" for "um": two tokens
def test_one_misheard_word_in_the_stretch_does_not_stop_the_claim(misheard: str) -> None:
    turn = late_turn()
    heard = words((misheard, 2.05, 2.4)) + own_words()
    refine(Transcript(turns=[turn]), CLAIM_ENV, heard, SpeechCheck(True))
    assert turn.start == pytest.approx(2.0, abs=0.011)


@pytest.mark.parametrize(
    "lead_in",
    [
        [("um,", 2.05, 2.4), ("you", 2.45, 2.55), ("know,", 2.55, 2.7)],
        [("So", 2.05, 2.2), ("I", 2.25, 2.35), ("mean", 2.35, 2.5), ("uh", 2.5, 2.6)],
    ],
)
def test_fillers_and_lead_ins_the_transcript_left_out_are_claimed(lead_in) -> None:
    turn = late_turn()
    refine(Transcript(turns=[turn]), CLAIM_ENV, words(*lead_in) + own_words(), SpeechCheck(True))
    assert turn.start == pytest.approx(2.0, abs=0.011)


def test_a_lead_in_before_a_pause_starts_the_turn_but_not_its_first_word() -> None:
    # "Um," (2.0-2.3 s), a pause, then the written words from 2.7 s.
    env = envelope_of((2.0, QUIET), speechlike(0.3), (0.4, QUIET), speechlike(2.3), (2.0, QUIET))
    turn = timed_turn(0, [("Well", 2.7, 3.0), ("said.", 3.0, 4.95)])
    check = SpeechCheck(True)
    refine(Transcript(turns=[turn]), env, words(("Well", 2.7, 3.0), ("said.", 3.0, 4.95)), check)
    assert turn.start == pytest.approx(2.0, abs=0.011)
    assert turn.words[0].start == pytest.approx(2.7, abs=0.011)
    # The VAD judged the burst, not the burst and the pause after it.
    assert check.asked[-1][1] == pytest.approx(2.3, abs=0.011)


def test_a_claim_never_reaches_back_into_the_previous_turn() -> None:
    # One stretch of sound 1.0 .. 5.0 s: the previous turn ends at 2.4 s with no pause after it.
    env = envelope_of((1.0, QUIET), speechlike(4.0), (2.0, QUIET))
    before = timed_turn(0, [("Right", 1.0, 1.6), ("then.", 1.6, 2.4)])
    turn = timed_turn(1, [("like", 3.5, 3.8), ("one", 3.8, 4.2), ("thing.", 4.2, 4.95)])
    heard = words(("Right", 1.0, 1.6), ("then.", 1.6, 2.4)) + words(
        ("like", 3.5, 3.8), ("one", 3.8, 4.2), ("thing.", 4.2, 4.95)
    )
    refine(Transcript(turns=[before, turn]), env, heard, SpeechCheck(True))
    assert turn.start >= before.end
    assert turn.start >= 3.1


def test_a_claim_after_a_pause_that_follows_the_previous_turn() -> None:
    env = envelope_of(
        (1.0, QUIET), speechlike(1.4, 1), (0.2, QUIET), speechlike(2.4, 2), (2.0, QUIET)
    )
    before = timed_turn(0, [("Right", 1.0, 1.6), ("then.", 1.6, 2.4)])
    turn = timed_turn(1, [("like", 3.5, 3.8), ("one", 3.8, 4.2), ("thing.", 4.2, 4.95)])
    heard = words(("Right", 1.0, 1.6), ("then.", 1.6, 2.4)) + words(
        ("like", 3.5, 3.8), ("one", 3.8, 4.2), ("thing.", 4.2, 4.95)
    )
    refine(Transcript(turns=[before, turn]), env, heard, SpeechCheck(True))
    assert turn.start == pytest.approx(2.6, abs=0.011)
    assert before.end <= 2.6


def test_a_flicker_in_the_pause_before_a_lead_in_does_not_stop_the_claim() -> None:
    flicker = np.full(40, QUIET)
    flicker[[5, 37]] = LOUD  # a click, and the rising edge's one loud frame
    env = envelope_of(
        (1.6, QUIET), (0.4, flicker), speechlike(0.3), (0.4, QUIET), speechlike(2.3), (2.0, QUIET)
    )
    turn = timed_turn(0, [("Well", 2.7, 3.0), ("said.", 3.0, 4.95)])
    refine(
        Transcript(turns=[turn]),
        env,
        words(("Well", 2.7, 3.0), ("said.", 3.0, 4.95)),
        SpeechCheck(True),
    )
    assert turn.start == pytest.approx(2.0, abs=0.011)


def test_when_the_earliest_sound_is_not_speech_a_later_lead_in_is_claimed() -> None:
    # A jingle's last notes (0.5-1.1 s), a pause, "Um," (2.0-2.3 s), a pause, the turn.
    env = envelope_of(
        (0.5, QUIET),
        speechlike(0.6, 1),
        (0.9, QUIET),
        speechlike(0.3),
        (0.4, QUIET),
        speechlike(2.3),
        (2.0, QUIET),
    )
    turn = timed_turn(0, [("Well", 2.7, 3.0), ("said.", 3.0, 4.95)])
    heard = words(("Well", 2.7, 3.0), ("said.", 3.0, 4.95))
    refine(Transcript(turns=[turn]), env, heard, lambda start, end: start > 1.5)
    assert turn.start == pytest.approx(2.0, abs=0.011)


def test_untimed_turns_claim_nothing() -> None:
    missing = timed_turn(0, [("Before", None, None), ("we", None, None)])
    check = SpeechCheck(True)
    refine(Transcript(turns=[missing]), CLAIM_ENV, [], check)
    assert missing.start is None and check.asked == []


def reply_between(*middle: tuple[float, float | np.ndarray]) -> tuple[Transcript, Turn]:
    """A found turn ending at 2.0 s, an unfound "Right." and a found turn from 4.0 s."""
    before = timed_turn(0, [("So", 1.0, 1.5), ("yes.", 1.5, 2.0)])
    reply = Turn(1, "Bo", "Right.", status=TurnStatus.NOT_FOUND)
    after = timed_turn(2, [("Then", 4.0, 4.5), ("go.", 4.5, 5.0)])
    env = envelope_of((1.0, QUIET), speechlike(1.0), *middle, speechlike(1.0, 3), (1.0, QUIET))
    transcript = Transcript(turns=[before, reply, after])
    heard = words(("So", 1.0, 1.5), ("yes.", 1.5, 2.0), ("Then", 4.0, 4.5), ("go.", 4.5, 5.0))
    refine(transcript, env, heard, SpeechCheck(True))
    return transcript, reply


def test_a_short_unheard_reply_takes_the_one_burst_between_its_neighbours() -> None:
    _, reply = reply_between((0.8, QUIET), speechlike(0.4, 1), (0.8, QUIET))
    assert reply.status == TurnStatus.ESTIMATED and reply.confidence < 0.5
    assert reply.start == pytest.approx(2.8, abs=0.02) and reply.end == pytest.approx(3.2, abs=0.02)
    assert reply.words[0].start == reply.start


@pytest.mark.parametrize(
    "middle",
    [
        [(2.0, QUIET)],  # a turn cut from the audio leaves nothing between its neighbours
        [(0.4, QUIET), speechlike(0.3, 1), (0.6, QUIET), speechlike(0.3, 2), (0.4, QUIET)],
    ],
    ids=["silence", "two bursts"],
)
def test_no_burst_or_a_choice_of_bursts_places_nothing(middle) -> None:
    _, reply = reply_between(*middle)
    assert reply.status == TurnStatus.NOT_FOUND and reply.start is None


def after_a_cut_turn(
    *middle: tuple[float, float | np.ndarray],
    cut_words: int = 5,
    before_status: TurnStatus = TurnStatus.ALIGNED,
    before_confidence: float = 0.9,
    then_unfound_words: int = 0,
) -> Turn:
    """A found turn ending at 2.0 s, an unfound turn of ``cut_words`` words (cut from the
    audio; none for no such turn), another of ``then_unfound_words`` (none for 0) and a
    found turn from 4.0 s with confidence 0.9, refined over ``middle`` between 2.0 and
    4.0 s."""
    before = timed_turn(0, [("So", 1.0, 1.5), ("yes.", 1.5, 2.0)])
    cut = timed_turn(1, [(f"word{n}", None, None) for n in range(cut_words)])
    unfound = timed_turn(2, [(f"other{n}", None, None) for n in range(then_unfound_words)])
    after = timed_turn(3, [("How", 4.0, 4.5), ("so?", 4.5, 5.0)])
    before.confidence, after.confidence = before_confidence, 0.9
    before.status = before_status
    env = envelope_of((1.0, QUIET), speechlike(1.0), *middle, speechlike(1.0, 3), (1.0, QUIET))
    heard = words(("So", 1.0, 1.5), ("yes.", 1.5, 2.0), ("How", 4.0, 4.5), ("so?", 4.5, 5.0))
    turns = [before, *(t for t in (cut, unfound) if t.words), after]
    refine(Transcript(turns=turns), env, heard, SpeechCheck(True))
    return after


# An "um" the transcript left out, 0.5 s before the turn from 4.0 s.
UM_BEFORE = ((1.3, QUIET), speechlike(0.3, 1), (0.4, QUIET))


def test_speech_left_before_a_turn_that_follows_an_unfound_one_asks_for_a_check() -> None:
    """After an unfound turn that could be there, the "um" is not claimed (it may be that
    turn), so the turn's start is in doubt by that much."""
    after = after_a_cut_turn(*UM_BEFORE)
    assert after.start == 4.0
    assert after.confidence == 0.4


def test_a_lead_in_after_an_unfound_turn_too_long_for_the_gap_is_claimed() -> None:
    """The unfound turn cannot fit in the 2 s between its neighbours at any pace, so it
    was cut from the audio: the "um" before the next turn is that turn's own."""
    after = after_a_cut_turn(*UM_BEFORE, cut_words=40)
    assert after.start == pytest.approx(3.3, abs=0.011)
    assert after.words[0].start == pytest.approx(4.0, abs=0.011)
    assert after.confidence == 0.9


def test_a_short_unfound_turn_after_a_cut_one_keeps_the_speech_from_being_claimed() -> None:
    """The long unfound turn was cut from the audio, but the short question after it
    fits: the speech before the reply may be that question, not the reply's lead-in."""
    after = after_a_cut_turn(*UM_BEFORE, cut_words=40, then_unfound_words=4)
    assert after.start == 4.0
    assert after.confidence == 0.4


def test_speech_after_a_turn_with_estimated_times_is_not_claimed() -> None:
    """Where a turn with guessed times ends is itself a guess: the speech after it may be
    its own last words, so the next turn does not take it and asks for a check."""
    after = after_a_cut_turn(*UM_BEFORE, cut_words=0, before_status=TurnStatus.ESTIMATED)
    assert after.start == 4.0
    assert after.confidence == 0.4


def test_speech_after_a_turn_in_doubt_is_not_claimed() -> None:
    """A turn the page asks to check may have been placed elsewhere: the speech after where
    it was put may be that turn, so the next turn does not take it and asks for a check."""
    after = after_a_cut_turn(*UM_BEFORE, cut_words=0, before_confidence=0.4)
    assert after.start == 4.0
    assert after.confidence == 0.4


def test_speech_after_a_turn_above_the_check_line_is_claimed() -> None:
    after = after_a_cut_turn(*UM_BEFORE, cut_words=0, before_confidence=0.5)
    assert after.start == pytest.approx(3.3, abs=0.011)
    assert after.confidence == 0.9


def test_silence_before_a_turn_that_follows_an_unfound_one_leaves_its_confidence() -> None:
    after = after_a_cut_turn((2.0, QUIET))
    assert after.confidence == 0.9
