"""How transcript words become pronouncing-dictionary entries, and g2p-en's model run offline."""

from __future__ import annotations

import subprocess
import sys

import pytest
from podalign.aligner.g2p import predict_phones
from podalign.aligner.pronounce import Entry, entries

DICTIONARY = {
    "hello": "HH AH L OW",
    "i'm": "AY M",
    "seventy": "S EH V AH N T IY",
    "five": "F AY V",
    "dollars": "D AA L ER Z",
    "matt": "M AE T",
    "cloud": "K L AW D",
    "native": "N EY T IH V",
    "three": "TH R IY",
}


def said(word: str) -> list[Entry]:
    return entries(word, DICTIONARY.get)


def test_dictionary_words_keep_their_entries_whatever_the_case_and_punctuation() -> None:
    assert said("Hello,") == [Entry("hello")]
    assert said("I’m") == [Entry("i'm")]
    assert said("--") == []


def test_amounts_are_said_as_the_text_matching_expands_them() -> None:
    assert said("$75") == [Entry("seventy"), Entry("five"), Entry("dollars")]


def test_acronyms_are_spelled_letter_by_letter() -> None:
    assert said("CNCF") == [Entry("cncf", "S IY EH N S IY EH F")]
    assert said("APIs") == [Entry("apis", "EY P IY AY Z")]
    assert said("e.g.") == [Entry("e.g", "IY JH IY")]


def test_possessives_are_the_base_word_plus_z() -> None:
    assert said("Matt’s") == [Entry("matt's", "M AE T Z")]


def test_compounds_are_said_part_by_part() -> None:
    assert said("cloud-native") == [Entry("cloud"), Entry("native")]


def test_digits_the_number_rules_leave_alone_are_said_one_by_one() -> None:
    assert said("mp3")[-1] == Entry("three")


def test_unknown_names_get_phones_from_the_model() -> None:
    (entry,) = said("Shwartz")
    assert entry.name == "shwartz"
    assert entry.phones is not None and entry.phones.startswith("SH")


@pytest.mark.parametrize(
    ("word", "phones"),
    [("hello", ["HH", "EH", "L", "OW"]), ("fermyon", ["F", "ER", "M", "IY", "AH", "N"])],
)
def test_g2p_model_predicts_arpabet_without_stress(word: str, phones: list[str]) -> None:
    assert predict_phones(word) == phones


def test_g2p_model_loads_without_nltk_or_the_network() -> None:
    code = (
        "import sys; from podalign.aligner.g2p import predict_phones; "
        "assert predict_phones('kubernetes'); assert 'nltk' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
