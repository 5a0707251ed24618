"""aligner.timing.time_transcript on hand-made recognised words (no model).

The rescuer (a second listen to stretches nobody heard) is an injected
dependency; here it is either absent or a stub that finds nothing, so these
tests see the timing logic alone.
"""

from __future__ import annotations

import copy

from podalign.aligner.matching import WordMatch
from podalign.aligner.normalise import normalise_word
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.timing import time_transcript
from podalign.transcripts.model import Transcript, Turn, TurnStatus

DURATION = 60.0


def make_transcript(*turns: str) -> Transcript:
    """Turns written ``"Speaker: text"``."""
    made = []
    for index, line in enumerate(turns):
        speaker, text = line.split(": ", 1)
        made.append(Turn(index=index, speaker=speaker, text=text))
    return Transcript(turns=made)


def spoken(text: str, start: float, step: float = 0.3, length: float = 0.25):
    """Recognised words ``step`` seconds apart from ``start``."""
    return [
        RecognisedWord(w, round(start + i * step, 3), round(start + i * step + length, 3), 0.9)
        for i, w in enumerate(text.split())
    ]


def word(transcript: Transcript, turn: int, text: str):
    return next(w for w in transcript.turns[turn].words if w.text == text)


def word_times(turn: Turn) -> list[tuple[float | None, float | None]]:
    return [(w.start, w.end) for w in turn.words]


class StubRescuer:
    """Records the spans it is asked about; finds the words in ``found`` (text -> (start, end))."""

    def __init__(self, found: dict[str, tuple[float, float]] | None = None) -> None:
        self.found = found or {}
        self.calls: list[tuple[float, float, list[str]]] = []

    def __call__(self, spans: list) -> list[list[WordMatch]]:
        results = []
        for span in spans:
            self.calls.append((span.start, span.end, list(span.words)))
            results.append([self._match(text) for text in span.words])
        return results

    def _match(self, text: str) -> WordMatch:
        tokens = len(normalise_word(text))
        if text not in self.found:
            return WordMatch(tokens=tokens)
        start, end = self.found[text]
        return WordMatch(tokens=tokens, matched=tokens, start=start, end=end)


def assert_monotonic(transcript: Transcript) -> None:
    last = 0.0
    for turn in transcript.turns:
        for w in turn.words:
            if w.start is None:
                continue
            assert w.start >= last - 1e-9, (turn.index, w)
            assert w.end >= w.start, (turn.index, w)
            last = w.start


def test_every_heard_word_gets_its_heard_time() -> None:
    t = make_transcript("Alice: Welcome to the show.", "Bob: Thanks for having me.")
    heard = spoken("welcome to the show", 1.0) + spoken("thanks for having me", 4.0)
    time_transcript(t, heard, DURATION, rescue=None)
    assert word_times(t.turns[0]) == [(h.start, h.end) for h in heard[:4]]
    assert word_times(t.turns[1]) == [(h.start, h.end) for h in heard[4:]]
    for turn in t.turns:
        assert turn.status == TurnStatus.ALIGNED
        assert turn.confidence == 1.0
        assert (turn.start, turn.end) == (turn.words[0].start, turn.words[-1].end)


def test_unheard_words_inside_a_turn_are_spread_between_their_neighbours() -> None:
    t = make_transcript("Bob: I have been building cloud software for years.")
    heard = [
        RecognisedWord("I", 5.0, 5.2, 0.9),
        RecognisedWord("have", 5.2, 5.4, 0.9),
        RecognisedWord("been", 5.4, 5.6, 0.9),
        RecognisedWord("building", 5.6, 6.0, 0.9),
        # "cloud software" was not heard: 6.0 .. 7.0
        RecognisedWord("for", 7.0, 7.2, 0.9),
        RecognisedWord("years.", 7.2, 7.6, 0.9),
    ]
    time_transcript(t, heard, DURATION, rescue=None)
    assert (word(t, 0, "cloud").start, word(t, 0, "cloud").end) == (6.0, 6.5)
    assert (word(t, 0, "software").start, word(t, 0, "software").end) == (6.5, 7.0)
    assert t.turns[0].status == TurnStatus.ALIGNED
    assert_monotonic(t)


def test_interpolation_shares_time_by_token_count() -> None:
    t = make_transcript("Bob: We ship cloud-native software every week.")
    heard = [
        RecognisedWord("we", 1.0, 1.2, 0.9),
        RecognisedWord("ship", 1.2, 1.5, 0.9),
        # "cloud-native" (two tokens) and "software" (one) unheard: 1.5 .. 3.0
        RecognisedWord("every", 3.0, 3.3, 0.9),
        RecognisedWord("week", 3.3, 3.6, 0.9),
    ]
    time_transcript(t, heard, DURATION, rescue=None)
    native, software = word(t, 0, "cloud-native"), word(t, 0, "software")
    assert (native.start, native.end) == (1.5, 2.5)
    assert (software.start, software.end) == (2.5, 3.0)


def test_unheard_words_at_a_turn_start_are_packed_against_the_first_heard_word() -> None:
    t = make_transcript("Alice: Welcome to the show.", "Bob: Well, thanks for having me.")
    heard = spoken("welcome to the show", 1.0) + spoken("thanks for having me", 10.0)
    time_transcript(t, heard, DURATION, rescue=None)
    well = word(t, 1, "Well,")
    # Not spread back over the 8-second pause after the previous turn.
    assert well.end == 10.0
    assert 9.4 <= well.start < 10.0
    assert t.turns[1].start == well.start
    assert t.turns[0].end == heard[3].end
    assert_monotonic(t)


def test_unheard_words_at_a_turn_end_are_packed_after_the_last_heard_word() -> None:
    t = make_transcript("Alice: Welcome to the show, everybody.", "Bob: Thanks for having me.")
    heard = spoken("welcome to the show", 1.0) + spoken("thanks for having me", 10.0)
    time_transcript(t, heard, DURATION, rescue=None)
    everybody = word(t, 0, "everybody.")
    show = word(t, 0, "show,")
    assert everybody.start == show.end
    assert everybody.end <= show.end + 0.6
    assert t.turns[0].end == everybody.end
    assert t.turns[1].start == 10.0


def test_unheard_first_words_of_the_first_turn_stay_after_zero() -> None:
    t = make_transcript("Alice: So, welcome to the show.")
    heard = spoken("welcome to the show", 0.1)
    time_transcript(t, heard, DURATION, rescue=None)
    so = word(t, 0, "So,")
    assert 0.0 <= so.start <= so.end == 0.1


def test_a_turn_nobody_heard_is_not_found_and_leaves_its_neighbours_alone() -> None:
    first = "Alice: Welcome to the show. Today we talk about computing and the edge."
    cut = "Alice: Before we begin, a word from our sponsor who makes the finest coffee."
    last = "Bob: Thanks for having me. I have been building cloud software."
    # The last word of the first turn is unheard, so it must be placed by its neighbours.
    heard = spoken("welcome to the show today we talk about computing and the", 1.0)
    heard += spoken("thanks for having me i have been building cloud software", 9.0)

    with_cut = make_transcript(first, cut, last)
    time_transcript(with_cut, heard, DURATION, rescue=None)
    without_cut = make_transcript(first, last)
    time_transcript(without_cut, heard, DURATION, rescue=None)

    missing = with_cut.turns[1]
    assert missing.status == TurnStatus.NOT_FOUND
    assert missing.start is None and missing.end is None
    assert all(w.start is None and w.end is None for w in missing.words)
    assert missing.confidence == 0.0

    for turn, control in ((0, 0), (2, 1)):
        assert with_cut.turns[turn].status == TurnStatus.ALIGNED
        assert word_times(with_cut.turns[turn]) == word_times(without_cut.turns[control])
        assert with_cut.turns[turn].start == without_cut.turns[control].start
        assert with_cut.turns[turn].end == without_cut.turns[control].end
    the, edge = with_cut.turns[0].words[-2:]
    assert edge.start == the.end
    assert edge.end < 9.0


def test_a_stub_rescuer_that_finds_nothing_changes_nothing_and_is_asked_about_the_gaps() -> None:
    first = "Alice: Welcome to the show. Today we talk about computing and the edge."
    cut = "Alice: Before we begin, a word from our sponsor."
    last = "Bob: Thanks for having me."
    heard = spoken("welcome to the show today we talk about computing and the edge", 1.0)
    heard += spoken("thanks for having me", 9.0)
    plain = make_transcript(first, cut, last)
    time_transcript(plain, heard, DURATION, rescue=None)
    rescuer = StubRescuer()
    rescued = make_transcript(first, cut, last)
    time_transcript(rescued, heard, DURATION, rescue=rescuer)

    assert rescued.to_dict() == plain.to_dict()
    # The cut turn's words were offered for a second listen between their heard neighbours.
    assert rescuer.calls == [(heard[11].end, 9.0, cut.split(": ", 1)[1].split())]


def test_a_short_turn_beside_a_cut_one_too_long_for_the_gap_is_still_listened_for() -> None:
    first = "Alice: Welcome to the show. Today we talk about computing and the edge."
    cut = (
        "Alice: Before we begin, a word from our sponsor, who makes the finest coffee in "
        "the valley and roasts every bean by hand in small batches each and every morning."
    )
    question = "Alice: So do you want to start"
    answer = "Bob: No, you should start, please."
    heard = spoken("welcome to the show today we talk about computing and the edge", 1.0)
    heard += spoken("no you should start please", 7.0)
    # 31 words cannot be said in the 2.45 s between the heard turns; the question's 6 can.
    found = {"So": (4.8, 5.0), "do": (5.0, 5.1), "you": (5.1, 5.3), "want": (5.3, 5.5)}
    found |= {"to": (5.5, 5.6), "start": (5.6, 6.0)}
    rescuer = StubRescuer(found)
    t = make_transcript(first, cut, question, answer)
    time_transcript(t, heard, DURATION, rescue=rescuer)
    assert rescuer.calls == [(heard[11].end, 7.0, ["So", "do", "you", "want", "to", "start"])]
    assert t.turns[1].status == TurnStatus.NOT_FOUND
    assert t.turns[2].status == TurnStatus.ALIGNED
    assert (t.turns[2].start, t.turns[2].end) == (4.8, 6.0)


def test_words_a_rescuer_finds_take_its_times() -> None:
    t = make_transcript("Bob: I have been building cloud software for many years now.")
    # A long stretch nobody heard: worth a second listen.
    heard = spoken("i have been building", 5.0) + spoken("for many years now", 12.0)
    rescuer = StubRescuer({"cloud": (10.5, 10.9), "software": (11.0, 11.6)})
    time_transcript(t, heard, DURATION, rescue=rescuer)
    assert rescuer.calls == [(heard[3].end, 12.0, ["cloud", "software"])]
    assert (word(t, 0, "cloud").start, word(t, 0, "cloud").end) == (10.5, 10.9)
    assert (word(t, 0, "software").start, word(t, 0, "software").end) == (11.0, 11.6)
    assert t.turns[0].confidence == 1.0


def test_word_times_stay_in_order_when_rescued_words_overlap() -> None:
    # A second listen that squeezes words at its window's end into the same 20 ms
    # (seen with the real rescuer: 'as' and 'up' both at 5.28-5.30).
    t = make_transcript(
        "Rosa: Spring is here so long as the soil has warmed up and the frost passed."
    )
    heard = spoken("spring is here", 1.0) + spoken("and the frost passed", 9.0)
    rescuer = StubRescuer({"as": (5.28, 5.30), "up": (5.28, 5.30)})
    time_transcript(t, heard, DURATION, rescue=rescuer)
    assert_monotonic(t)


def test_a_mostly_heard_turn_is_aligned_with_a_confidence_between_0_and_1() -> None:
    t = make_transcript("Alice: Great. Let us start with the basics of Kubernetes and Helm.")
    heard = spoken("great let us start with the basics of qber needs and help", 2.0)
    time_transcript(t, heard, DURATION, rescue=None)
    turn = t.turns[0]
    assert turn.status == TurnStatus.ALIGNED
    assert 0.5 <= turn.confidence < 1.0
    assert all(w.start is not None for w in turn.words)
    assert turn.start == 2.0
    assert_monotonic(t)


def test_a_turn_with_a_few_words_heard_is_estimated_and_fully_timed() -> None:
    t = make_transcript("Bob: Honestly the migration took us three very long painful months.")
    heard = spoken("the migration took", 3.0)
    time_transcript(t, heard, DURATION, rescue=None)
    turn = t.turns[0]
    assert turn.status == TurnStatus.ESTIMATED
    assert 0.2 <= turn.confidence < 0.5
    assert all(w.start is not None for w in turn.words)
    assert_monotonic(t)


def test_a_common_word_heard_far_away_in_time_is_dropped() -> None:
    # "so" is heard in the intro music at 5 s; the turn it opens is spoken from 12 s.
    t = make_transcript(
        "Alice: Welcome to the show.", "Bob: So the thing is we need to ship faster."
    )
    heard = spoken("welcome to the show", 1.0)
    heard += [RecognisedWord("so", 5.0, 5.25, 0.4)]
    heard += spoken("the thing is we need to ship faster", 12.0)
    time_transcript(t, heard, DURATION, rescue=None)
    so = word(t, 1, "So")
    assert so.end == 12.0 and so.start >= 11.4
    assert t.turns[1].start == so.start
    assert t.turns[1].status == TurnStatus.ALIGNED
    assert_monotonic(t)


def test_a_far_cluster_of_many_words_is_kept() -> None:
    # Three or more words in a row are not a stray: a turn can hold a long pause.
    t = make_transcript("Bob: Let me think about that. Right, here is the answer.")
    heard = spoken("let me think about that", 1.0) + spoken("right here is the answer", 9.0)
    time_transcript(t, heard, DURATION, rescue=None)
    assert word(t, 0, "Right,").start == 9.0
    assert t.turns[0].end == heard[-1].end


def test_a_long_opening_heard_apart_from_the_rest_of_a_long_turn_is_kept() -> None:
    """Ten words heard in order are the turn's opening, however small a share of a long
    turn they are: Whisper skipped the stretch after them, not they the turn."""
    opening = "sure the fun fact is that the illustrated guide was"
    rest = " ".join(["about", "kubernetes", "and", "the", "children", "who", "learn"] * 20)
    t = make_transcript(f"Bob: {opening} {rest}.")
    heard = spoken(opening, 100.0) + spoken(rest, 110.0)
    time_transcript(t, heard, 600.0, rescue=None)
    assert t.turns[0].start == 100.0
    assert word(t, 0, "illustrated").start == heard[7].start


def test_bracketed_notes_get_no_times() -> None:
    t = make_transcript(
        "Alice: [laughter] Well, I think so. [crosstalk]",
        "Bob: Yes [inaudible speech] exactly.",
    )
    heard = spoken("well i think so", 1.0) + spoken("yes exactly", 4.0)
    time_transcript(t, heard, DURATION, rescue=None)
    first, second = t.turns
    assert not first.words[0].spoken and first.words[0].start is None
    assert first.words[-1].start is None and first.words[-1].end is None
    assert [w.start for w in second.words[1:3]] == [None, None]
    assert first.start == 1.0 and first.end == heard[3].end
    assert second.start == 4.0 and second.end == heard[-1].end
    assert all(w.start is not None for turn in t.turns for w in turn.words if w.spoken)


def test_a_turn_of_notes_only_has_no_times() -> None:
    t = make_transcript(
        "Alice: Welcome to the show.", "Host: [Music]", "Bob: Thanks for having me."
    )
    heard = spoken("welcome to the show", 1.0) + spoken("thanks for having me", 8.0)
    time_transcript(t, heard, DURATION, rescue=None)
    assert t.turns[1].start is None and t.turns[1].end is None
    assert t.turns[1].words[0].start is None
    assert t.turns[0].status == t.turns[2].status == TurnStatus.ALIGNED


def test_the_transcript_given_is_changed_in_place_and_turn_indexes_renumbered() -> None:
    t = make_transcript("Alice: Welcome to the show.", "Bob: Thanks for having me.")
    t.turns[1].index = 7
    before = copy.deepcopy(t)
    time_transcript(t, spoken("welcome to the show thanks for having me", 1.0), DURATION)
    assert t.turns[1].index == 1
    assert before.turns[0].start is None and t.turns[0].start == 1.0


def test_a_stuttering_turn_opening_starts_at_the_first_repeat() -> None:
    # "It's like a it's like one thing": Whisper heard "like one thing" once. Its "like"
    # pairs as readily with the second "like"; the turn starts at the first.
    t = make_transcript("Alice: Welcome to the show.", "Bob: It's like a it's like one thing.")
    heard = spoken("welcome to the show", 1.0) + spoken("like one thing", 5.0)
    time_transcript(t, heard, DURATION, rescue=None)
    words = t.turns[1].words
    assert (words[1].start, words[1].end) == (5.0, 5.25)
    assert words[0].end == 5.0 and words[0].start >= 4.4
    assert t.turns[1].start == words[0].start
    assert_monotonic(t)


def test_the_words_no_heard_word_matched_are_returned_as_guessed() -> None:
    t = make_transcript("Alice: Welcome to the zorblax show.")
    heard = spoken("welcome to the", 1.0) + spoken("show", 2.5)

    guessed = time_transcript(t, heard, DURATION, rescue=None)

    assert guessed == {id(word(t, 0, "zorblax"))}
    assert word(t, 0, "zorblax").start is not None


def test_a_lone_common_word_paired_seconds_away_is_dropped_so_its_neighbours_fit() -> None:
    """Whisper skipped from "So" at 10 s to 20 s, where it heard "the" and "closer": the
    transcript's first "the" paired there, squeezing nine words into the 0.05 s before
    "closer". Without that match they are spread over the stretch Whisper skipped."""
    t = make_transcript(
        "Ann: It bends. So the star seems to flicker and jump. Planets are much closer, and bright."
    )
    heard = spoken("It bends. So", 8.0, step=0.5)
    heard += [RecognisedWord("the", 20.0, 20.1, 0.9), RecognisedWord("closer,", 20.15, 20.5, 0.9)]
    heard += spoken("and bright.", 20.6)

    time_transcript(t, heard, DURATION, rescue=None)

    assert word(t, 0, "star").start < 13.0
    assert word(t, 0, "Planets").start < 20.0
    assert_monotonic(t)


def test_a_match_close_to_its_other_neighbour_is_kept_though_words_are_crowded() -> None:
    # Words the transcript has and the audio lacks: nothing to move, the match holds.
    t = make_transcript("Ann: So the star seems to flicker and jump. Planets closer.")
    heard = spoken("So the", 8.0) + spoken("closer.", 8.7)

    time_transcript(t, heard, DURATION, rescue=None)

    assert word(t, 0, "the").start == 8.3


def test_a_lone_turn_opening_crowding_the_next_turn_is_dropped_and_listened_to_again() -> None:
    """Whisper skipped from "check first." at 3 s to 20 s, where it heard "so both sides":
    the "So" that opens the short question paired there, squeezing the answer's first
    eleven words into the 0.3 s before "both". Without that match, the question and the
    answer's opening are listened to again together, back to the words before."""
    t = make_transcript(
        "Ann: It is the correct thing to check first.",
        "Bob: So what was it?",
        "Ann: A certificate. We talk to the card networks over TLS, so both sides present.",
    )
    heard = spoken("It is the correct thing to check first.", 1.0)
    heard += spoken("So both sides present.", 20.0)
    question = {"So": (4.0, 4.2), "what": (4.25, 4.4), "was": (4.45, 4.6), "it?": (4.65, 4.8)}
    rescuer = StubRescuer(question)

    time_transcript(t, heard, DURATION, rescue=rescuer)

    [(start, end, words)] = rescuer.calls
    assert words[:5] == ["So", "what", "was", "it?", "A"]
    assert start == 3.35 and end == 20.3
    assert (t.turns[1].start, t.turns[1].status) == (4.0, TurnStatus.ALIGNED)
    assert_monotonic(t)
