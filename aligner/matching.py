"""Which written words were heard, and when: transcript words against recognised words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from podalign.aligner.normalise import FILLERS, normalise_word
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.sequence import align_tokens, extra_tokens, is_match


@dataclass
class WordMatch:
    """What the alignment found for one written word; times only when it was heard."""

    tokens: int
    matched: int = 0
    start: float | None = None
    end: float | None = None

    @property
    def is_matched(self) -> bool:
        return self.tokens > 0 and self.matched * 2 >= self.tokens


@dataclass(frozen=True)
class _HeardToken:
    text: str
    start: float
    end: float


def match_words(words: Sequence[str], heard: Sequence[RecognisedWord]) -> list[WordMatch]:
    """Pair ``words`` with ``heard`` in order; a word is timed when most of its tokens match."""
    ref_tokens, owner = _written_tokens(words)
    counts = Counter(owner)
    matches = [WordMatch(tokens=counts[at]) for at in range(len(words))]
    hyp = _heard_tokens(heard)
    hyp_tokens = [h.text for h in hyp]
    for pair in align_tokens(ref_tokens, hyp_tokens):
        if not is_match(pair, ref_tokens, hyp_tokens):
            continue
        match = matches[owner[pair.ref]]
        token = hyp[pair.hyp]
        match.start = token.start if match.start is None else min(match.start, token.start)
        match.end = token.end if match.end is None else max(match.end, token.end)
        match.matched += 1
    for match in matches:
        if not match.is_matched:
            match.start = match.end = None
    return matches


def heard_before(words: Sequence[str], heard: Sequence[RecognisedWord]) -> dict[int, list[str]]:
    """Per written word (by index), the recognised tokens right before it that no written
    word accounts for: what Whisper heard there and the transcript left out."""
    ref_tokens, owner = _written_tokens(words)
    hyp = [h.text for h in _heard_tokens(heard)]
    return {
        owner[r]: [hyp[h] for h in extra]
        for r, extra in extra_tokens(ref_tokens, hyp).items()
        if r < len(ref_tokens) and (r == 0 or owner[r - 1] != owner[r])
    }


def _written_tokens(words: Sequence[str]) -> tuple[list[str], list[int]]:
    """The written words' tokens (fillers left out), and the index of the word each is of."""
    tokens: list[str] = []
    owner: list[int] = []
    for at, word in enumerate(words):
        parts = [t for t in normalise_word(word) if t not in FILLERS]
        tokens += parts
        owner += [at] * len(parts)
    return tokens, owner


def _heard_tokens(heard: Sequence[RecognisedWord]) -> list[_HeardToken]:
    tokens = []
    for word in heard:
        parts = [t for t in normalise_word(word.text) if t not in FILLERS]
        if not parts:
            continue
        step = (word.end - word.start) / len(parts)
        for i, part in enumerate(parts):
            tokens.append(_HeardToken(part, word.start + i * step, word.start + (i + 1) * step))
    return tokens
