"""aligner.sequence and aligner.matching: which transcript words were heard, and when."""

from __future__ import annotations

import pytest
from podalign.aligner.matching import match_words
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.sequence import Pair, align_tokens, extra_tokens, is_match


def heard(text: str, start: float = 0.0, step: float = 0.3) -> list[RecognisedWord]:
    """Recognised words one ``step`` apart from ``start``, each lasting most of its step."""
    return [
        RecognisedWord(word, round(start + i * step, 3), round(start + i * step + 0.25, 3), 0.9)
        for i, word in enumerate(text.split())
    ]


def matched_pairs(ref: list[str], hyp: list[str]) -> list[Pair]:
    return [p for p in align_tokens(ref, hyp) if is_match(p, ref, hyp)]


def assert_monotonic(pairs: list[Pair]) -> None:
    for a, b in zip(pairs, pairs[1:], strict=False):
        assert a.ref < b.ref and a.hyp < b.hyp, (a, b)


# --- align_tokens / is_match -------------------------------------------------------------


def test_identical_sequences_pair_one_to_one() -> None:
    tokens = "welcome to the show today".split()
    pairs = align_tokens(tokens, tokens)
    assert [(p.ref, p.hyp, p.similarity) for p in pairs] == [(i, i, 1.0) for i in range(5)]


def test_pairs_are_monotonic_across_insertions_and_deletions() -> None:
    ref = "so we started the company in a garage with two friends".split()
    hyp = "um so we we started the uh company in garage with our two friends yeah".split()
    pairs = align_tokens(ref, hyp)
    assert_monotonic(pairs)
    matched = matched_pairs(ref, hyp)
    assert {ref[p.ref] for p in matched} >= {"started", "company", "garage", "friends"}
    assert all(ref[p.ref] == hyp[p.hyp] for p in matched)


def test_a_passage_said_twice_is_matched_in_order() -> None:
    ref = "the weather is lovely today and later he said the weather is lovely today".split()
    hyp = "the weather is lovely today and later he said the weather is lovely today".split()
    pairs = matched_pairs(ref, hyp)
    assert_monotonic(pairs)
    assert [(p.ref, p.hyp) for p in pairs] == [(i, i) for i in range(len(ref))]


def test_a_repeated_passage_heard_once_never_crosses() -> None:
    # The transcript repeats a sentence; the audio has it once, after other speech.
    ref = "the weather is lovely today yes the weather is lovely today".split()
    hyp = "yes the weather is lovely today".split()
    pairs = matched_pairs(ref, hyp)
    assert_monotonic(pairs)
    # "yes" is heard first, so the sentence pairs with the reading after "yes".
    assert [(p.ref, p.hyp) for p in pairs] == [(5 + i, i) for i in range(len(hyp))]


@pytest.mark.parametrize(
    ("written", "said"),
    [("shwartz", "schwartz"), ("kubernetes", "kubernetis"), ("okafor", "okafore")],
)
def test_long_words_misheard_by_a_letter_match(written: str, said: str) -> None:
    ref = ["talk", "to", written, "today"]
    hyp = ["talk", "to", said, "today"]
    pairs = matched_pairs(ref, hyp)
    assert (2, 2) in [(p.ref, p.hyp) for p in pairs]
    pair = next(p for p in align_tokens(ref, hyp) if p.ref == 2)
    assert 0.75 <= pair.similarity < 1.0


@pytest.mark.parametrize(("written", "said"), [("you", "your"), ("to", "do"), ("an", "and")])
def test_short_words_one_letter_apart_do_not_match(written: str, said: str) -> None:
    ref = ["thank", written, "very", "much"]
    hyp = ["thank", said, "very", "much"]
    pairs = align_tokens(ref, hyp)
    pair = next(p for p in pairs if p.ref == 1)
    assert pair.hyp == 1
    assert not is_match(pair, ref, hyp)


def test_different_long_words_in_the_same_place_do_not_match() -> None:
    ref = ["we", "love", "gardening", "here"]
    hyp = ["we", "love", "computing", "here"]
    pair = next(p for p in align_tokens(ref, hyp) if p.ref == 2)
    assert not is_match(pair, ref, hyp)


def test_no_pairs_against_nothing() -> None:
    assert align_tokens(["a", "b"], []) == []
    assert align_tokens([], ["a", "b"]) == []


# --- match_words ---------------------------------------------------------------------------


def test_every_heard_word_gets_the_time_it_was_heard() -> None:
    words = "Welcome to the show.".split()
    matches = match_words(words, heard("welcome to the show", start=1.0))
    assert [(m.start, m.end) for m in matches] == [
        (1.0, 1.25),
        (1.3, 1.55),
        (1.6, 1.85),
        (1.9, 2.15),
    ]
    assert all(m.is_matched for m in matches)


def test_ad_read_beside_a_cut_turn_is_not_paired() -> None:
    # The transcript has a turn the edit cut; the audio has an ad read the transcript lacks,
    # in the same place. Edit distance lines the two stretches up as substitutions.
    before = "welcome to the show today we talk about computing"
    cut = "before we begin a word from our sponsor who makes the finest coffee beans"
    after = "thanks for having me"
    ad = "this episode is brought to you by acme cloud hosting get started free"
    words = f"{before} {cut} {after}".split()
    recognised = heard(f"{before} {ad} {after}")
    matches = match_words(words, recognised)
    n_before, n_cut = len(before.split()), len(cut.split())
    assert all(m.is_matched for m in matches[:n_before])
    assert not any(m.is_matched for m in matches[n_before : n_before + n_cut])
    assert all(m.start is None for m in matches[n_before : n_before + n_cut])
    assert all(m.is_matched for m in matches[n_before + n_cut :])
    thanks = matches[n_before + n_cut]
    assert thanks.start == recognised[len(before.split()) + len(ad.split())].start


def test_ad_read_and_cut_turn_of_equal_length_are_not_paired() -> None:
    cut = "please rate us on your favourite podcast platform today".split()
    ad = "brought to you by acme insurance protecting homes nationwide".split()
    assert len(cut) == len(ad)
    words = ["hello", *cut, "goodbye"]
    matches = match_words(words, heard(" ".join(["hello", *ad, "goodbye"])))
    assert matches[0].is_matched and matches[-1].is_matched
    assert not any(m.is_matched for m in matches[1:-1])


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("It costs $75 a month", "it costs 75 dollars a month"),
        ("It costs $75 a month", "it costs seventy-five dollars a month"),
        ("back in 1999 we", "back in nineteen ninety-nine we"),
        ("about 3.5 million", "about three point five million"),
        ("roughly 10% of users", "roughly ten percent of users"),
        ("I've been there", "I have been there"),
        ("we won't stop", "we will not stop"),
        ("for ten years", "for 10 years"),
        ("the 90s were fun", "the nineties were fun"),
    ],
)
def test_numbers_and_contractions_written_differently_match(written: str, said: str) -> None:
    words = written.split()
    recognised = heard(said, start=2.0)
    matches = match_words(words, recognised)
    assert all(m.is_matched for m in matches), list(zip(words, matches, strict=True))
    times = [(m.start, m.end) for m in matches]
    assert times == sorted(times)
    assert matches[0].start == 2.0
    assert matches[-1].end == recognised[-1].end


def test_a_word_heard_as_two_spans_both() -> None:
    # "$75" is three tokens; heard as "75 dollars" it spans both recognised words.
    recognised = heard("75 dollars", start=4.0)
    (match,) = match_words(["$75"], recognised)
    assert match.tokens == 3 and match.matched == 3
    assert (match.start, match.end) == (4.0, recognised[1].end)


def test_a_word_mostly_unheard_gets_no_time() -> None:
    # "state-of-the-art" is four tokens; only "the" is heard.
    (match,) = match_words(["state-of-the-art"], heard("the"))
    assert match.matched == 1 and not match.is_matched
    assert match.start is None and match.end is None


def test_fillers_on_either_side_are_ignored() -> None:
    words = "so um we started".split()
    matches = match_words(words, heard("so we uh started"))
    assert matches[1].tokens == 0 and not matches[1].is_matched
    assert [m.is_matched for m in (matches[0], matches[2], matches[3])] == [True] * 3
    assert matches[3].start == 0.9


def test_misheard_name_is_timed_but_short_slip_is_not() -> None:
    words = "Thank you Doctor Shwartz".split()
    matches = match_words(words, heard("thank your doctor schwartz"))
    assert matches[3].is_matched and matches[3].start == 0.9
    assert not matches[1].is_matched


def test_punctuation_only_words_have_no_tokens() -> None:
    matches = match_words(["well", "—", "yes"], heard("well yes"))
    assert matches[1].tokens == 0 and matches[1].start is None
    assert matches[0].is_matched and matches[2].is_matched


def test_words_heard_that_the_transcript_left_out_are_found_before_the_next_written_one() -> None:
    # "Thank you, Nell" written "Thank Nell." and heard "thank you now": "now" is the
    # misheard name, "you" the word left out.
    assert extra_tokens(["thank", "nell", "its"], ["thank", "you", "now", "its"]) == {1: [1]}
    assert extra_tokens(["thank", "nell", "its"], ["thank", "now", "you", "its"]) == {2: [2]}
    assert extra_tokens(["a", "b"], ["a", "b", "c"]) == {2: [2]}
    assert extra_tokens(["a", "b", "c"], ["a", "b", "c"]) == {}


def test_a_written_word_heard_in_pieces_leaves_nothing_out() -> None:
    assert extra_tokens(["of", "kubernetes", "and"], ["of", "qber", "needs", "and"]) == {}
