"""Edits to a transcript's turns, as changes that can be applied, stored and undone.

A change is a list of splices: at a position, some turns are taken out and
others put in. Turns outside the splices are not touched, so they keep their
times; a turn whose text changes keeps the times of the words that stayed the
same, and its hand-set times. The change names the turns whose words need
new times (re-timing them is the aligner's business, not this module's).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher

from .model import Transcript, Turn, TurnStatus, Word, words_of


class EditError(ValueError):
    """An edit that cannot be made; the message is meant for the user."""


@dataclass
class Splice:
    """At position ``at``, the turns ``removed`` were replaced by ``inserted``."""

    at: int
    removed: list[Turn]
    inserted: list[Turn]

    def to_dict(self) -> dict:
        return {
            "at": self.at,
            "removed": [t.to_dict() for t in self.removed],
            "inserted": [t.to_dict() for t in self.inserted],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Splice:
        return cls(
            at=data["at"],
            removed=[Turn.from_dict(t) for t in data["removed"]],
            inserted=[Turn.from_dict(t) for t in data["inserted"]],
        )


@dataclass
class Change:
    """One user action. Splices apply in order, each on the result of the one before."""

    label: str
    splices: list[Splice]
    # Positions after the change of the turns whose words need new times.
    retime: list[int] = field(default_factory=list)

    def inverse(self) -> Change:
        undone = [Splice(s.at, s.inserted, s.removed) for s in reversed(self.splices)]
        return Change(f"Undo: {self.label}", undone)

    def to_dict(self) -> dict:
        return {"label": self.label, "splices": [s.to_dict() for s in self.splices]}

    @classmethod
    def from_dict(cls, data: dict) -> Change:
        return cls(data["label"], [Splice.from_dict(s) for s in data["splices"]])

    def touched(self) -> list[int]:
        """Positions, after the change, of the turns it put in (counting later shifts)."""
        positions: list[int] = []
        for splice in self.splices:
            shift = len(splice.inserted) - len(splice.removed)
            end = splice.at + len(splice.removed)
            kept = [p for p in positions if not splice.at <= p < end]
            positions = [p + shift if p >= end else p for p in kept]
            positions += range(splice.at, splice.at + len(splice.inserted))
        return sorted(positions)


def apply_change(transcript: Transcript, change: Change) -> None:
    """Make the change in place; the change's own Turn objects go into the transcript."""
    for splice in change.splices:
        end = splice.at + len(splice.removed)
        if end > len(transcript.turns):
            raise EditError("This change does not fit the transcript any more.")
        transcript.turns[splice.at : end] = splice.inserted
    for index, turn in enumerate(transcript.turns):
        turn.index = index


def edit_turn(transcript: Transcript, index: int, text: str, speaker: str | None) -> Change:
    """A turn's text and speaker changed; words that stayed the same keep their times."""
    old = transcript.turns[index]
    text = _clean_text(text)
    speaker = _clean_speaker(speaker)
    new = replace(old, text=text, speaker=speaker, words=_carry_word_times(old.words, text))
    labels = []
    if text != old.text:
        labels.append(f"Edit the text of line {index + 1}")
    if speaker != old.speaker:
        labels.append(f"Give line {index + 1} to {speaker or 'no speaker'}")
    if not labels:
        return Change("No change", [])
    retime = [index] if text != old.text else []
    return Change("; ".join(labels), [Splice(index, [old], [new])], retime)


def rename_speaker(transcript: Transcript, old: str, new: str) -> Change:
    """Every turn of speaker ``old`` given to ``new``."""
    new = _clean_speaker(new) or ""
    if not new:
        raise EditError("The new speaker name is empty.")
    if old not in transcript.speakers:
        raise EditError(f"No turn is spoken by {old!r}.")
    splices = [
        Splice(t.index, [t], [replace(t, speaker=new, words=copy.deepcopy(t.words))])
        for t in transcript.turns
        if t.speaker == old
    ]
    if new == old:
        splices = []
    return Change(f"Rename {old} to {new}", splices)


@dataclass(frozen=True)
class Replacement:
    change: Change
    occurrences: int


def replace_text(transcript: Transcript, find: str, replacement: str) -> Replacement:
    """Replace every occurrence of ``find`` (exact, case-sensitive) in the turns' text."""
    if not find.strip():
        raise EditError("Say what to find: the text is empty.")
    splices = []
    occurrences = 0
    for turn in transcript.turns:
        count = turn.text.count(find)
        if not count:
            continue
        text = " ".join(turn.text.replace(find, replacement).split())
        if not text:
            line = turn.index + 1
            raise EditError(f"Replacing would leave line {line} empty; delete it instead.")
        occurrences += count
        if text != turn.text:
            new = replace(turn, text=text, words=_carry_word_times(turn.words, text))
            splices.append(Splice(turn.index, [turn], [new]))
    label = f"Replace {find!r} with {replacement!r}"
    return Replacement(Change(label, splices, [s.at for s in splices]), occurrences)


def split_turn(transcript: Transcript, index: int, at_word: int, speaker: str | None) -> Change:
    """Split a turn before its word ``at_word``; the second part goes to ``speaker``."""
    turn = transcript.turns[index]
    if not 0 < at_word < len(turn.words):
        raise EditError(
            f"Line {index + 1} can be split before words 1 to {len(turn.words) - 1}; got {at_word}."
        )
    words = copy.deepcopy(turn.words)
    first = _part(turn, words[:at_word], turn.speaker)
    second = _part(turn, words[at_word:], _clean_speaker(speaker))
    return Change(f"Split line {index + 1}", [Splice(index, [turn], [first, second])])


def merge_turns(transcript: Transcript, index: int) -> Change:
    """A turn and the one after it become one turn, of the first turn's speaker."""
    if index + 1 >= len(transcript.turns):
        raise EditError(f"Line {index + 1} is the last line: there is nothing after it to merge.")
    first, second = transcript.turns[index], transcript.turns[index + 1]
    words = copy.deepcopy(first.words + second.words)
    merged = _part(first, words, first.speaker)
    statuses = {first.status, second.status}
    if TurnStatus.MANUAL in statuses:
        spans = [
            (t.start, t.end)
            for t in (first, second)
            if t.status == TurnStatus.MANUAL and t.start is not None and t.end is not None
        ]
        merged.start = min(s for s, _ in spans)
        merged.end = max(e for _, e in spans)
        merged.status = TurnStatus.MANUAL
    elif merged.status != TurnStatus.NOT_FOUND:
        aligned = statuses == {TurnStatus.ALIGNED}
        merged.status = TurnStatus.ALIGNED if aligned else TurnStatus.ESTIMATED
    confidences = [t.confidence for t in (first, second) if t.confidence is not None]
    merged.confidence = min(confidences) if confidences else None
    untimed = any(w.spoken and w.start is None for w in merged.words)
    return Change(
        f"Merge lines {index + 1} and {index + 2}",
        [Splice(index, [first, second], [merged])],
        [index] if untimed else [],
    )


def insert_turn(transcript: Transcript, after: int, speaker: str | None, text: str) -> Change:
    """A new turn after position ``after`` (-1: before the first), to be found in the audio."""
    if not -1 <= after < len(transcript.turns):
        raise EditError(f"after must be -1 to {len(transcript.turns) - 1}; got {after}.")
    turn = Turn(index=after + 1, speaker=_clean_speaker(speaker), text=_clean_text(text))
    return Change(f"Insert line {after + 2}", [Splice(after + 1, [], [turn])], [after + 1])


def delete_turn(transcript: Transcript, index: int) -> Change:
    if len(transcript.turns) == 1:
        raise EditError("This is the only line; a transcript needs at least one.")
    return Change(f"Delete line {index + 1}", [Splice(index, [transcript.turns[index]], [])])


def _part(turn: Turn, words: list[Word], speaker: str | None) -> Turn:
    """A turn made of some of ``turn``'s words (already copied), spanning their times."""
    part = replace(turn, speaker=speaker, text=" ".join(w.text for w in words), words=words)
    timed = [
        (w.start, w.end) for w in words if w.spoken and w.start is not None and w.end is not None
    ]
    if not timed:
        part.start = part.end = None
        part.status = TurnStatus.NOT_FOUND
        return part
    part.start, part.end = timed[0][0], max(timed[0][0], timed[-1][1])
    if part.status in (TurnStatus.NOT_FOUND, TurnStatus.PENDING):
        part.status = TurnStatus.ESTIMATED
    return part


def _carry_word_times(old: list[Word], text: str) -> list[Word]:
    """The words of ``text``, with the times of the old words they are unchanged from."""
    new = words_of(text)
    matcher = SequenceMatcher(a=[w.text for w in old], b=[w.text for w in new], autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            source, target = old[block.a + k], new[block.b + k]
            target.start, target.end = source.start, source.end
    return new


def _clean_text(text: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise EditError("The text is empty; delete the line instead.")
    return text


def _clean_speaker(speaker: str | None) -> str | None:
    """Whitespace collapsed; an empty name means no speaker."""
    if speaker is None:
        return None
    return " ".join(speaker.split()) or None
