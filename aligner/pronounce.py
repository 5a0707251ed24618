"""How a written word is said: the pronouncing-dictionary entries it stands for.

Most words are in the acoustic model's dictionary as written. The rest are
said by rule where a rule exists (numbers and amounts through the same
expansion the text matching uses, acronyms letter by letter, possessives
as their base plus "z") and by g2p-en's model otherwise (names, misspellings).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from podalign.aligner.g2p import predict_phones
from podalign.aligner.normalise import APOSTROPHES, normalise_word

EDGE = re.compile(r"^[^\w$£€']+|[^\w%']+$")
ACRONYM = re.compile(r"^([A-Z]{2,6})(s|'s)?$")
DIGITS = dict(enumerate("zero one two three four five six seven eight nine".split()))
LETTERS = {
    "a": "EY", "b": "B IY", "c": "S IY", "d": "D IY", "e": "IY", "f": "EH F", "g": "JH IY",
    "h": "EY CH", "i": "AY", "j": "JH EY", "k": "K EY", "l": "EH L", "m": "EH M", "n": "EH N",
    "o": "OW", "p": "P IY", "q": "K Y UW", "r": "AA R", "s": "EH S", "t": "T IY", "u": "Y UW",
    "v": "V IY", "w": "D AH B AH L Y UW", "x": "EH K S", "y": "W AY", "z": "Z IY",
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """A dictionary word; ``phones`` is set when the dictionary lacks it and must learn it."""

    name: str
    phones: str | None = None


def entries(word: str, lookup: Callable[[str], str | None]) -> list[Entry]:
    """The dictionary entries ``word`` is said as, in order (none for punctuation).

    ``lookup`` gives the dictionary's phones for a lower-case word, or None.
    """
    text = _plain(word)
    if not text:
        return []
    if lookup(text.lower()):
        return [Entry(text.lower())]
    acronym = ACRONYM.match(text)
    if acronym:
        phones = " ".join(LETTERS[c] for c in acronym.group(1).lower())
        return [Entry(text.lower(), phones + (" Z" if acronym.group(2) else ""))]
    if any(c.isdigit() for c in text):
        # A digit the number rules left alone ("mp3", "1.2.3") is said one by one.
        pieces = [p for token in normalise_word(text) for p in re.split(r"(\d)", token) if p]
        said = [DIGITS[int(p)] if p.isdigit() else p for p in pieces]
        return [e for token in said for e in entries(token, lookup)]
    letters = text.lower().split(".")
    if len(letters) > 1 and all(len(c) == 1 and c in LETTERS for c in letters):
        return [Entry(text.lower(), " ".join(LETTERS[c] for c in letters))]
    parts = [p for p in re.split(r"[-–—/.]+", text) if p.strip("'")]
    if len(parts) > 1:
        return [e for part in parts for e in entries(part, lookup)]
    text = text.lower().strip("'")
    if lookup(text):
        return [Entry(text)]
    for suffix in ("'s", "s'"):
        if text.endswith(suffix) and len(text) > 2:
            base = text[:-2] if suffix == "'s" else text[:-1]
            return [Entry(text, f"{_phones(base, lookup)} Z")]
    return [Entry(text, _phones(text, lookup))] if text else []


def _phones(text: str, lookup: Callable[[str], str | None]) -> str:
    return lookup(text) or " ".join(predict_phones(text)) or "AH"


def _plain(word: str) -> str:
    """The word without edge punctuation or accents, apostrophes made straight."""
    text = unicodedata.normalize("NFKD", word.translate(APOSTROPHES))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return EDGE.sub("", text)
