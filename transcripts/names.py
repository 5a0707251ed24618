"""What a speaker label looks like: ``Name: text`` at the start of a line.

These are shape tests only; deciding which labels in a document are really
speakers needs the whole document (see parse_page).
"""

from __future__ import annotations

import re
import unicodedata

from .model import SENTENCE_END

MAX_NAME_WORDS = 5
MAX_NAME_CHARS = 50

# A name word starts with a letter or digit; inside it may hold apostrophes,
# hyphens and periods ("O'Neil", "Jean-Luc", "Dr.").
_NAME_WORD = re.compile(r"[^\W_][\w'’.\-]*")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")

# Lower-case words that may sit inside a name ("Maria de la Cruz").
_PARTICLES = frozenset(
    "de del della der di da dos du la le van von den ter bin ibn al el y of".split()
)

# First words of labels that are page furniture, not people: "Episode 7: ...",
# "Key Takeaways: ...", "Note: ...".
_CHROME_FIRST_WORDS = frozenset(
    """
    about chapter chapters copyright credits date disclaimer download duration edited email
    episode ep follow highlights how in key keywords learn links listen note notes overview
    part posted produced published read recorded related resources season section source
    sponsor sponsored sponsors subscribe summary tags takeaway takeaways the this timestamps
    tip title topics transcript transcription twitter update warning watch website what when
    where why
    """.split()
)

# Words a title leaves in lower case ("The Road to the Edge").
_TITLE_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into of on or the to vs via with".split()
)


def split_label(line: str) -> tuple[str, str] | None:
    """Split ``Name: text`` into its name and text, or None if the line has no label.

    The colon must be followed by whitespace (a no-break space or tab counts),
    so clock times and URLs are not labels, and by some text, so a heading
    that ends in a colon is not a turn.
    """
    stripped = line.strip()
    colon = stripped.find(":", 0, MAX_NAME_CHARS + 1)
    if colon <= 0:
        return None
    rest = stripped[colon + 1 :]
    if not rest or not rest[0].isspace():
        return None
    text = rest.strip()
    # Markup pasted into a label ("Ari <b>Weil</b>") is dropped; the name is kept.
    name = " ".join(_TAG.sub(" ", stripped[:colon]).split())
    if not text or not is_name_shaped(name):
        return None
    return name, text


def is_name_shaped(name: str) -> bool:
    """True if ``name`` could be a speaker's name: 1-5 words, mostly capitalised.

    Emoji may ride along ("Zoë 🎧"), but the first word with letters must be
    capitalised and not page furniture like "Episode".
    """
    words = name.split()
    if not 1 <= len(words) <= MAX_NAME_WORDS or len(name) > MAX_NAME_CHARS:
        return False
    named = [w for w in words if not _is_symbols(w)]
    if not named or not all(_NAME_WORD.fullmatch(w) for w in named):
        return False
    first = named[0]
    if not first[0].isupper() or first.lower().rstrip(".") in _CHROME_FIRST_WORDS:
        return False
    capitalised = sum(1 for w in named if w[0].isupper() or w.isdigit())
    lower_ok = all(w[0].isupper() or w.isdigit() or w.lower() in _PARTICLES for w in named)
    return lower_ok and capitalised * 2 >= len(named)


def _is_symbols(word: str) -> bool:
    """Emoji and other symbols, with their joiners and variation selectors."""
    return all(
        unicodedata.category(ch).startswith("S") or ch in "\u200d\ufe0e\ufe0f" for ch in word
    )


def has_digit(name: str) -> bool:
    return any(ch.isdigit() for ch in name)


def reads_like_title(text: str) -> bool:
    """True for short Title Case text without a sentence end, like "The Edge".

    Used on the text after a one-off label: "Episode Seven: The Edge" is a
    title, "Alice: Thanks for having me." is a turn.
    """
    words = text.split()
    if not 2 <= len(words) <= 10 or SENTENCE_END.search(text):
        return False
    lettered = [w for w in words if any(ch.isalpha() for ch in w)]
    return bool(lettered) and all(
        w[0].isupper() or not w[0].isalpha() or w.lower() in _TITLE_SMALL_WORDS for w in lettered
    )


def capitalised_words(name: str) -> bool:
    return all(w[0].isupper() or w.isdigit() or _is_symbols(w) for w in name.split())
