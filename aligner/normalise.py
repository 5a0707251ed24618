"""Text normalisation shared by both sides of the alignment.

The transcript says "$75", "I've" and "1999"; Whisper may say "75 dollars",
"I have" and "nineteen ninety-nine". Both sides go through the same rules
so that such pairs compare equal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from num2words import num2words

APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "ʼ": "'"})
EDGE_PUNCTUATION = re.compile(r"^[^\w$£€%'+]+|[^\w%']+$")
# Up to 15 digits: num2words overflows on longer ones, and nobody says them aloud anyway.
NUMBER = re.compile(
    r"^(\$|£|€)?(\d{1,3}(?:,\d{3}){1,4}|\d{1,15})(\.\d{1,6})?(%|s|st|nd|rd|th|k|m)?$"
)
CONTRACTIONS = {
    "won't": "will not",
    "can't": "can not",
    "cannot": "can not",
    "shan't": "shall not",
    "ain't": "is not",
    "let's": "let us",
}
SUFFIXES = (
    ("n't", " not"),
    ("'ve", " have"),
    ("'re", " are"),
    ("'ll", " will"),
    ("'m", " am"),
    ("'d", " would"),
    ("'s", " is"),
)
CURRENCY = {"$": "dollars", "£": "pounds", "€": "euros"}
FILLERS = frozenset({"um", "uh", "erm", "er", "ah", "hmm", "mm", "mhm", "uhm"})
# What a cleaned-up transcript leaves out before a turn's first written word, besides the
# fillers: discourse markers said while taking the turn.
LEAD_INS = frozenset({("you", "know"), ("i", "mean"), ("like",), ("so",), ("well",)})


@lru_cache(maxsize=65536)
def normalise_word(word: str) -> tuple[str, ...]:
    """The comparable tokens one written word stands for (none for pure punctuation)."""
    text = word.translate(APOSTROPHES).lower()
    text = EDGE_PUNCTUATION.sub("", text)
    if not text:
        return ()
    tokens: list[str] = []
    for part in re.split(r"[-–—/]+", text):
        tokens += _expand(part.strip("'"))
    return tuple(t for t in tokens if t)


def _expand(part: str) -> list[str]:
    if not part:
        return []
    number = NUMBER.match(part)
    if number:
        return _number_words(*number.groups())
    if part in CONTRACTIONS:
        return CONTRACTIONS[part].split()
    for suffix, replacement in SUFFIXES:
        if part.endswith(suffix) and len(part) > len(suffix):
            return [part[: -len(suffix)], replacement.strip()]
    return [re.sub(r"[^\w]", "", part)]


def _number_words(
    currency: str | None, digits: str, fraction: str | None, suffix: str | None
) -> list[str]:
    value = int(digits.replace(",", ""))
    if fraction:
        words = num2words(float(digits.replace(",", "") + fraction))
    elif suffix in ("st", "nd", "rd", "th"):
        words = num2words(value, to="ordinal")
    elif not currency and len(digits) == 4 and 1100 <= value <= 2099 and suffix != "%":
        words = num2words(value, to="year")
    else:
        words = num2words(value)
    if suffix == "s":
        words = words[:-1] + "ies" if words.endswith("y") else words + "s"
    tokens = re.split(r"[\s,-]+", words)
    if suffix == "%":
        tokens.append("percent")
    elif suffix == "k":
        tokens.append("thousand")
    elif suffix == "m":
        tokens.append("million")
    if currency:
        tokens.append(CURRENCY[currency])
    return [t for t in tokens if t and t != "and"]
