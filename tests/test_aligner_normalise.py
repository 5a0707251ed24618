"""aligner.normalise: written words and recognised words reduced to the same comparable tokens."""

from __future__ import annotations

import pytest
from podalign.aligner.normalise import FILLERS, normalise_word


def tokens_of(text: str) -> list[str]:
    """The tokens of a phrase, word by word, as both sides of the alignment see them."""
    return [t for word in text.split() for t in normalise_word(word)]


@pytest.mark.parametrize(
    ("word", "tokens"),
    [
        ("1999", ("nineteen", "ninety", "nine")),
        ("2024", ("twenty", "twenty", "four")),
        ("$75", ("seventy", "five", "dollars")),
        ("3.5", ("three", "point", "five")),
        ("10%", ("ten", "percent")),
        ("50%", ("fifty", "percent")),
        ("1st", ("first",)),
        ("2nd", ("second",)),
        ("3rd", ("third",)),
        ("21st", ("twenty", "first")),
        ("7th", ("seventh",)),
        ("90s", ("nineties",)),
        ("'90s", ("nineties",)),
        ("1990s", ("nineteen", "nineties")),
        ("2,000", ("two", "thousand")),
        ("1,000,000", ("one", "million")),
        ("10k", ("ten", "thousand")),
        ("$1.5m", ("one", "point", "five", "million", "dollars")),
        ("100", ("one", "hundred")),
        ("0", ("zero",)),
    ],
)
def test_numbers_become_the_words_people_say(word: str, tokens: tuple[str, ...]) -> None:
    assert normalise_word(word) == tokens


@pytest.mark.parametrize(
    ("written", "heard"),
    [
        ("1999", "nineteen ninety-nine"),
        ("$75", "75 dollars"),
        ("$75", "seventy-five dollars"),
        ("3.5", "three point five"),
        ("10%", "ten percent"),
        ("10%", "10 percent"),
        ("21st", "twenty-first"),
        ("90s", "nineties"),
        ("10", "ten"),
        ("25", "twenty-five"),
        ("2,000", "2000"),
    ],
)
def test_numbers_written_as_digits_or_words_compare_equal(written: str, heard: str) -> None:
    assert tokens_of(written) == tokens_of(heard)


def test_a_year_is_read_as_a_year_but_an_amount_is_not() -> None:
    assert normalise_word("1984") == ("nineteen", "eighty", "four")
    assert normalise_word("$1984")[:3] == ("one", "thousand", "nine")


@pytest.mark.parametrize(
    ("word", "tokens"),
    [("£5", ("five", "pounds")), ("€20", ("twenty", "euros"))],
)
def test_pounds_and_euros_keep_their_currency(word: str, tokens: tuple[str, ...]) -> None:
    assert normalise_word(word) == tokens


@pytest.mark.parametrize(
    ("written", "heard"),
    [
        ("I've", "I have"),
        ("I’ve", "I have"),  # curly apostrophe
        ("I‘ve", "I've"),
        ("won't", "will not"),
        ("Won’t", "will not"),
        ("can't", "cannot"),
        ("can't", "can not"),
        ("you're", "you are"),
        ("they'll", "they will"),
        ("I'm", "I am"),
        ("let's", "let us"),
        ("it's", "it is"),
        ("don't", "do not"),
    ],
)
def test_contractions_match_their_long_form(written: str, heard: str) -> None:
    assert tokens_of(written) == tokens_of(heard)


def test_contractions_expand_to_separate_tokens() -> None:
    assert normalise_word("I've") == ("i", "have")
    assert normalise_word("won't") == ("will", "not")
    assert normalise_word("They’re") == ("they", "are")


def test_names_with_apostrophes_stay_one_token() -> None:
    assert normalise_word("O'Brien") == ("obrien",)
    assert normalise_word("students'") == ("students",)


@pytest.mark.parametrize(
    ("word", "tokens"),
    [
        ("hello,", ("hello",)),
        ("Hello!", ("hello",)),
        ("show.", ("show",)),
        ('"quoted"', ("quoted",)),
        ("(aside)", ("aside",)),
        ("Schwartz?", ("schwartz",)),
        ("...and", ("and",)),
        ("“Really”", ("really",)),
        ("AT&T", ("att",)),
    ],
)
def test_punctuation_is_stripped_and_case_folded(word: str, tokens: tuple[str, ...]) -> None:
    assert normalise_word(word) == tokens


@pytest.mark.parametrize("word", ["...", "—", "-", "?", "!!", "–", '"', "()"])
def test_pure_punctuation_has_no_tokens(word: str) -> None:
    assert normalise_word(word) == ()


@pytest.mark.parametrize(
    ("word", "tokens"),
    [
        ("well-known", ("well", "known")),
        ("state-of-the-art", ("state", "of", "the", "art")),
        ("e-mail", ("e", "mail")),
        ("twenty-five", ("twenty", "five")),
        ("this—that", ("this", "that")),
        ("and/or", ("and", "or")),
    ],
)
def test_hyphens_dashes_and_slashes_split_words(word: str, tokens: tuple[str, ...]) -> None:
    assert normalise_word(word) == tokens


def test_hyphenated_and_spaced_forms_compare_equal() -> None:
    assert tokens_of("well-known") == tokens_of("well known")


@pytest.mark.parametrize("note", ["[laughter]", "[Music]", "(laughs)", "[crosstalk]."])
def test_bracketed_notes_lose_their_brackets(note: str) -> None:
    # Notes never reach the matcher (the transcript marks them unspoken); if one
    # did, it would be a plain word without brackets or punctuation.
    tokens = normalise_word(note)
    assert len(tokens) == 1
    assert tokens[0].isalpha() and tokens[0].islower()


def test_fillers_are_known_so_the_matcher_can_skip_them() -> None:
    for filler in ("um", "Uh,", "erm", "Hmm."):
        (token,) = normalise_word(filler)
        assert token in FILLERS
