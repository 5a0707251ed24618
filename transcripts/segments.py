"""Timed segments (subtitle cues, Podcasting 2.0 segments) merged into turns.

The segment times are dropped: they come from another tool, and are what
podalign is there to improve on.
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import SENTENCE_END, Turn


@dataclass
class Segment:
    speaker: str | None
    text: str
    # Named by a WebVTT voice span rather than a "Name:" label.
    voiced: bool = False


def turns_from_segments(
    segments: list[Segment], *, inherit_speaker: bool, join_unlabelled: bool
) -> list[Turn]:
    """Merge consecutive segments of one speaker into a turn.

    ``inherit_speaker``: an unlabelled segment continues the last named
    speaker, as subtitles name a speaker only when the speaker changes.
    ``join_unlabelled``: segments without any speaker are joined until a
    sentence ends, as word-level Podcasting 2.0 files would otherwise give a
    turn per word.
    """
    groups: list[list[Segment]] = []
    last_speaker: str | None = None
    for segment in segments:
        if not segment.text.strip():
            continue
        speaker = segment.speaker or (last_speaker if inherit_speaker else None)
        if speaker is not None:
            last_speaker = speaker
        segment = Segment(speaker, segment.text)
        if groups and _continues(groups[-1], speaker, join_unlabelled):
            groups[-1].append(segment)
        else:
            groups.append([segment])
    return [_turn(i, group) for i, group in enumerate(groups)]


def _continues(group: list[Segment], speaker: str | None, join_unlabelled: bool) -> bool:
    previous = group[-1]
    if speaker is not None:
        return previous.speaker == speaker
    return (
        join_unlabelled
        and previous.speaker is None
        and not SENTENCE_END.search(previous.text.rstrip())
    )


def _turn(index: int, group: list[Segment]) -> Turn:
    return Turn(
        index=index,
        speaker=group[0].speaker,
        text=" ".join(" ".join(s.text.split()) for s in group),
    )
