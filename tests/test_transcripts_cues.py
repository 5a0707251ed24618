"""The cue cutter: limits, order and word coverage, with examples and with hypothesis."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from podalign.transcripts.cues import (
    MAX_CHARS_PER_SECOND,
    MAX_CUE_SECONDS,
    MIN_CUE_SECONDS,
    cut_cues,
    turn_span,
)
from podalign.transcripts.model import Transcript, Turn, Word, is_bracketed_note

EPS = 0.0015  # cue times are whole milliseconds


def make_turn(index: int, speaker: str | None, timed_words: list[tuple], timed: bool = True):
    """A turn from (text, start, end) triples; the turn spans its timed words."""
    words = [Word(t, s, e, not is_bracketed_note(t)) for t, s, e in timed_words]
    times = [x for _, s, e in timed_words for x in (s, e) if x is not None]
    start, end = (min(times), max(times)) if times and timed else (None, None)
    text = " ".join(t for t, _, _ in timed_words)
    return Turn(index=index, speaker=speaker, text=text, start=start, end=end, words=words)


def spoken(text: str, start: float, seconds_per_word: float = 0.3, gap: float = 0.05):
    """(text, start, end) triples for words said one after the other."""
    out = []
    t = start
    for token in text.split():
        out.append((token, t, t + seconds_per_word))
        t += seconds_per_word + gap
    return out


def bodies(cues) -> list[str]:
    return [cue.body for cue in cues]


# --- examples ---------------------------------------------------------------------------


def test_break_after_sentence_end_rather_than_mid_clause() -> None:
    turn = make_turn(0, "A", spoken("We went home. Then we slept for a while", 0.0))
    cues = cut_cues(Transcript([turn]), max_line_chars=30, max_lines=1)
    assert bodies(cues) == ["We went home.", "Then we slept for a while"]


def test_break_after_clause_punctuation_rather_than_between_words() -> None:
    turn = make_turn(0, "A", spoken("We went home, then we slept for a while", 0.0))
    cues = cut_cues(Transcript([turn]), max_line_chars=30, max_lines=1)
    assert bodies(cues) == ["We went home,", "then we slept for a while"]


def test_break_at_a_long_pause_when_there_is_no_punctuation() -> None:
    words = spoken("we went home and then", 0.0) + spoken("we slept for a while", 5.0)
    cues = cut_cues(Transcript([make_turn(0, "A", words)]), max_line_chars=42, max_lines=1)
    assert bodies(cues) == ["we went home and then", "we slept for a while"]


def test_a_new_cue_at_every_turn_even_when_both_would_fit() -> None:
    turns = [
        make_turn(0, "A", spoken("Hi.", 0.0)),
        make_turn(1, "A", spoken("Again.", 0.5)),
        make_turn(2, "B", spoken("Yo.", 1.0)),
    ]
    cues = cut_cues(Transcript(turns))
    assert [(c.turn_index, c.speaker, c.body) for c in cues] == [
        (0, "A", "Hi."),
        (1, "A", "Again."),
        (2, "B", "Yo."),
    ]


def test_cues_never_exceed_seven_seconds() -> None:
    words = spoken("one two three four five six seven eight nine ten", 0.0, 1.0, 0.2)
    cues = cut_cues(Transcript([make_turn(0, "A", words)]))
    assert len(cues) >= 2
    assert all(c.end - c.start <= MAX_CUE_SECONDS + EPS for c in cues)


def test_lines_are_balanced_and_break_after_punctuation() -> None:
    text = "Well, I think so, and honestly it is one of the best"
    cues = cut_cues(Transcript([make_turn(0, "A", spoken(text, 0.0, 0.2))]))
    assert cues[0].lines == ["Well, I think so,", "and honestly it is one of the best"]
    text = "seven purple elephants quietly marched across frozen northern rivers"
    cues = cut_cues(Transcript([make_turn(0, "A", spoken(text, 0.0, 0.2))]))
    assert cues[0].lines == [
        "seven purple elephants quietly",
        "marched across frozen northern rivers",
    ]


def test_lines_do_not_end_on_an_article_when_avoidable() -> None:
    text = "we found that the best way to do it is the simplest one"
    cues = cut_cues(Transcript([make_turn(0, "A", spoken(text, 0.0, 0.2))]), max_line_chars=30)
    assert all(line.split()[-1] not in {"the", "to", "that"} for line in cues[0].lines)


def test_word_longer_than_a_line_gets_a_line_of_its_own() -> None:
    long_word = "https://example.com/" + "x" * 40
    words = spoken(f"see {long_word} now", 0.0)
    cues = cut_cues(Transcript([make_turn(0, "A", words)]), max_line_chars=20, max_lines=2)
    lines = [line for cue in cues for line in cue.lines]
    assert long_word in lines
    assert all(len(line) <= 20 for line in lines if line != long_word)


def test_speaker_prefix_only_on_the_first_cue_of_a_turn() -> None:
    words = spoken("First sentence here. Second sentence here. Third sentence now.", 0.0, 0.6)
    cues = cut_cues(
        Transcript([make_turn(0, "Ann", words)]),
        max_line_chars=25,
        max_lines=1,
        speaker_prefix=True,
    )
    assert [c.lines[0].startswith("Ann: ") for c in cues] == [True] + [False] * (len(cues) - 1)
    assert cues[0].first_of_turn and not cues[1].first_of_turn


def test_untimed_turns_are_left_out() -> None:
    turns = [
        make_turn(0, "A", spoken("Hello there.", 0.0)),
        make_turn(1, "B", [("Lost", None, None), ("turn.", None, None)]),
        make_turn(2, "A", spoken("Bye.", 3.0)),
    ]
    assert turn_span(turns[1]) is None
    assert [c.turn_index for c in cut_cues(Transcript(turns))] == [0, 2]


def test_turn_with_times_but_no_word_times_is_spread_over_the_turn() -> None:
    turn = Turn(index=0, speaker="A", text="We only know the turn times.", start=10.0, end=12.0)
    (cue,) = cut_cues(Transcript([turn]))
    assert (cue.start, cue.end) == (10.0, 12.0)
    starts = [s for s, _ in cue.word_times]
    assert starts == sorted(starts) and starts[0] == 10.0


def test_words_without_times_ride_with_their_neighbours() -> None:
    words = [
        ("Start,", 0.0, 0.4),
        ("please.", 0.5, 0.9),
        ("[laughter]", None, None),
        ("Okay", None, None),
        ("then.", 6.0, 6.4),
    ]
    cues = cut_cues(Transcript([make_turn(0, "A", words)]))
    assert [w.text for c in cues for w in c.words] == [w for w, _, _ in words]
    for cue in cues:
        assert any(w.start is not None for w in cue.words)


def test_note_with_null_times_in_the_middle_of_speech_stays_in_the_cue() -> None:
    words = spoken("You should start,", 0.0) + [("[laughter]", None, None)]
    words += spoken("please.", 1.2)
    (cue,) = cut_cues(Transcript([make_turn(0, "A", words)]))
    assert cue.body == "You should start, [laughter] please."


def test_overlapping_turns_give_ordered_non_overlapping_cues() -> None:
    turns = [
        make_turn(0, "A", spoken("I was saying that", 0.0)),
        make_turn(1, "B", spoken("Sorry, go on.", 0.5)),
        make_turn(2, "A", spoken("Thanks.", 0.5)),
    ]
    cues = cut_cues(Transcript(turns))
    for before, after in zip(cues, cues[1:], strict=False):
        assert before.end <= after.start
    assert all(c.end > c.start for c in cues)


def test_short_cue_is_extended_into_silence_but_not_past_the_next_cue() -> None:
    turns = [
        make_turn(0, "A", [("Yes.", 1.0, 1.2)]),
        make_turn(1, "B", [("No.", 1.5, 1.7)]),
        make_turn(2, "A", [("Maybe.", 5.0, 5.2)]),
    ]
    cues = cut_cues(Transcript(turns))
    assert (cues[0].start, cues[0].end) == (1.0, 1.5)
    assert (cues[1].start, cues[1].end) == (1.5, 2.5)
    assert (cues[2].start, cues[2].end) == (5.0, 6.0)


def test_fast_speech_is_held_longer_when_silence_follows() -> None:
    text = "this is a rather fast stretch of speech that has eighty characters"
    words = spoken(text, 0.0, 0.1, 0.01)
    (cue,) = cut_cues(Transcript([make_turn(0, "A", words)]))
    assert cue.end - cue.start >= len(" ".join(cue.lines)) / MAX_CHARS_PER_SECOND - EPS


def test_out_of_order_word_times_are_made_monotonic() -> None:
    words = [("a", 1.0, 1.2), ("b", 0.9, 1.1), ("c", 1.3, 1.5)]
    (cue,) = cut_cues(Transcript([make_turn(0, "A", words)]))
    starts = [s for s, _ in cue.word_times]
    assert starts == sorted(starts)


def test_limits_must_be_positive() -> None:
    import pytest

    with pytest.raises(ValueError):
        cut_cues(Transcript([]), max_line_chars=0)


# --- properties -------------------------------------------------------------------------

_word_text = st.one_of(
    st.tuples(
        st.text("abcdefghijklmnopqrstuvwxyzé’", min_size=1, max_size=12),
        st.sampled_from(["", "", "", ",", ".", "?", ";", ":"]),
    ).map("".join),
    st.just("[laughter]"),
    st.text("xyz", min_size=43, max_size=90),
)


@st.composite
def _turn_words(draw, clock: list[float]):
    count = draw(st.integers(1, 25))
    words = []
    for _ in range(count):
        text = draw(_word_text)
        clock[0] += draw(st.floats(0.0, 2.5))
        duration = draw(st.one_of(st.floats(0.01, 1.2), st.just(8.5)))
        if draw(st.integers(0, 9)) == 0:
            words.append((text, None, None))
            continue
        words.append((text, clock[0], clock[0] + duration))
        clock[0] += duration
    return words


@st.composite
def transcripts(draw):
    clock = [0.0]
    turns = []
    for index in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            clock[0] = max(0.0, clock[0] - draw(st.floats(0.0, 2.0)))  # turns may overlap
        speaker = draw(st.sampled_from(["Ann", "Bo", None]))
        words = draw(_turn_words(clock))
        timed = draw(st.integers(0, 7)) > 0
        turns.append(make_turn(index, speaker, words, timed=timed))
    return Transcript(turns)


_PROPERTY_SETTINGS = settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@_PROPERTY_SETTINGS
@given(
    transcripts(),
    st.integers(8, 60),
    st.integers(1, 3),
    st.booleans(),
)
def test_cue_limits_order_and_coverage(transcript, max_line_chars, max_lines, prefix) -> None:
    cues = cut_cues(transcript, max_line_chars, max_lines, speaker_prefix=prefix)

    for cue in cues:
        assert 1 <= len(cue.lines) <= max_lines
        prefix_token = f"{cue.speaker}:" if prefix and cue.speaker and cue.first_of_turn else None
        shown = " ".join(cue.lines).split()
        assert shown == ([prefix_token] if prefix_token else []) + cue.body.split()
        for n, line in enumerate(cue.lines):
            tokens = line.split()
            assert tokens, "no empty lines"
            one_word = len(tokens) == 1 or (
                n == 0 and len(tokens) == 2 and tokens[0] == prefix_token
            )
            assert len(line) <= max_line_chars or one_word, (line, max_line_chars)
        if cue.end - cue.start > MAX_CUE_SECONDS + EPS:
            assert len(cue.words) == 1

    for before, after in zip(cues, cues[1:], strict=False):
        assert before.end <= after.start + 1e-9
    assert all(cue.end > cue.start for cue in cues)

    # Every word of a timed turn is in exactly one cue, in order; untimed turns have none.
    by_turn: dict[int, list[int]] = {}
    for cue in cues:
        by_turn.setdefault(cue.turn_index, []).extend(id(w) for w in cue.words)
    for turn in transcript.turns:
        expected = [id(w) for w in turn.words] if turn_span(turn) is not None else []
        assert by_turn.get(turn.index, []) == expected


@_PROPERTY_SETTINGS
@given(transcripts())
def test_cues_are_held_long_enough_to_read_where_silence_allows(transcript) -> None:
    cues = cut_cues(transcript)
    for k, cue in enumerate(cues):
        duration = cue.end - cue.start
        blocked = k + 1 < len(cues) and abs(cues[k + 1].start - cue.end) < 1e-9
        capped = duration >= MAX_CUE_SECONDS - EPS
        if not (blocked or capped):
            assert duration >= MIN_CUE_SECONDS - EPS
            assert len(" ".join(cue.lines)) / duration <= MAX_CHARS_PER_SECOND + 0.05
