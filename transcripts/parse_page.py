"""AI-transcript pages: ``Speaker Name: text`` paragraphs amid page chrome.

A page has a title, an overview, bullet lists, takeaways and guest bios around
the conversation, and some of those lines look like labels too ("Episode 7:
The Edge"). A label is taken as a speaker on evidence:

- it labels two or more paragraphs, or
- it is used once but sits inside the conversation (between the first and
  last paragraph of a recurring speaker), or right next to it with only
  other turns in between, and does not look like a title, or
- no label recurs at all (a short or one-speaker transcript): then the one or
  two candidates, or the longest unbroken run of them, are the turns.

A turn runs from its label to the next blank line or the next accepted label.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .model import Transcript, Turn
from .names import capitalised_words, has_digit, reads_like_title, split_label

_TITLE_MIN_WORDS = 3
_TITLE_MAX_CHARS = 200
_TITLE_LINES_PER_PARAGRAPH = 10
_BULLETS = tuple("•*-–—·▪◦>")


@dataclass
class _Chunk:
    """Lines from one label, or from a blank line, up to the next of either."""

    first_line: str
    para_start: bool
    label: str | None = None
    lines: list[str] = field(default_factory=list)


def parse_page(text: str) -> Transcript | None:
    """Parse labelled paragraphs; None if the text has no speaker labels at all."""
    chunks = _chunks(text)
    accepted = _accepted_labels(chunks)
    if not accepted:
        return None
    spans: list[tuple[str | None, list[str]]] = []
    current: list[str] | None = None
    title = None
    for i, chunk in enumerate(chunks):
        if i in accepted:
            current = list(chunk.lines)
            spans.append((chunk.label, current))
            continue
        if not chunk.para_start and current is not None and chunk.label is not None:
            # A label-like line in the middle of a turn that is not a speaker,
            # such as "So: here is the thing", belongs to the turn.
            current.append(chunk.first_line)
            current.extend(chunk.lines[1:])
            continue
        current = None
        if not spans and title is None:
            title = _title_candidate(chunk)
    turns = [
        Turn(index=i, speaker=speaker, text=" ".join(lines))
        for i, (speaker, lines) in enumerate(spans)
    ]
    return Transcript(turns=turns, title=title, source_format="ai-page")


def _chunks(text: str) -> list[_Chunk]:
    chunks: list[_Chunk] = []
    current: _Chunk | None = None
    after_blank = True
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            current = None
            after_blank = True
            continue
        label = split_label(line)
        if label is not None:
            current = _Chunk(line, after_blank, label[0], [label[1]])
            chunks.append(current)
        elif current is None:
            current = _Chunk(line, after_blank, None, [line])
            chunks.append(current)
        else:
            current.lines.append(line)
        after_blank = False
    return chunks


def _accepted_labels(chunks: list[_Chunk]) -> set[int]:
    """Indexes of the chunks whose label is a speaker."""
    candidates = [i for i, c in enumerate(chunks) if c.label is not None]
    counts = Counter(label for c in chunks if (label := c.label) is not None)
    known = {label for label, n in counts.items() if n >= 2}
    known_digits = any(has_digit(label) for label in known)
    known_sizes = {len(label.split()) for label in known}

    def one_off_ok(i: int) -> bool:
        chunk = chunks[i]
        label = chunk.label or ""
        if has_digit(label) and not known_digits:
            return False
        if reads_like_title(chunk.lines[0]):
            return False
        if chunk.para_start:
            return True
        # Mid-paragraph, demand a name shaped like the others so that a
        # sentence such as "Remember: ..." does not split a turn.
        sizes = known_sizes or {1, 2, 3}
        return len(label.split()) in sizes and capitalised_words(label)

    if not known:
        plausible = [i for i in candidates if one_off_ok(i)]
        if len(plausible) <= 2:
            return set(plausible)
        return set(_longest_run(plausible))

    accepted = {i for i in candidates if chunks[i].label in known}
    first, last = min(accepted), max(accepted)
    accepted |= {i for i in candidates if first < i < last and one_off_ok(i)}
    for step, start in ((-1, first - 1), (1, last + 1)):
        i = start
        while 0 <= i < len(chunks) and chunks[i].label is not None and one_off_ok(i):
            accepted.add(i)
            i += step
    return accepted


def _longest_run(indexes: list[int]) -> list[int]:
    """The longest stretch of consecutive chunk indexes."""
    best_start, best_len = 0, 0
    run_start = 0
    for k in range(1, len(indexes) + 1):
        if k == len(indexes) or indexes[k] != indexes[k - 1] + 1:
            if k - run_start > best_len:
                best_start, best_len = run_start, k - run_start
            run_start = k
    return indexes[best_start : best_start + best_len]


def _title_candidate(chunk: _Chunk) -> str | None:
    """The first chrome line with a few words, skipping date lines like "Episode #53 31:08"."""
    for line in [chunk.first_line, *chunk.lines[1:]][:_TITLE_LINES_PER_PARAGRAPH]:
        if (
            sum(1 for w in line.split() if any(ch.isalpha() for ch in w)) >= _TITLE_MIN_WORDS
            and len(line) <= _TITLE_MAX_CHARS
            and not line.startswith(_BULLETS)
        ):
            return line
    return None
