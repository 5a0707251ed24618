"""What each stage of an alignment decided about each turn, and why.

`podalign align --trace trace.json` answers "why does turn 14 start here?":
for every turn, in order, the notes the stages made (how many of its words
matched what Whisper heard and what that made of the turn, a second listen,
what the acoustic aligner placed, which edge rule moved it) and, after each
stage, the times, status and confidence that stage left it with.

The stages note into the trace of the run in progress, found through a
context variable, so nothing is threaded through their signatures and an
untraced run (every server job) pays one lookup per note.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from podalign.transcripts.model import Transcript, Turn

_current: ContextVar[Trace | None] = ContextVar("podalign_trace", default=None)


class Trace:
    def __init__(self) -> None:
        self.steps: dict[int, list[dict[str, Any]]] = {}
        self._seen: dict[int, tuple] = {}

    def note(self, turn: int, stage: str, decision: str, **facts: Any) -> None:
        step = {"stage": stage, "decision": decision}
        step.update({name: _rounded(value) for name, value in facts.items()})
        self.steps.setdefault(turn, []).append(step)

    def stage_done(self, stage: str, transcript: Transcript) -> None:
        """After a stage: each turn whose times, status or confidence it changed, as it left it."""
        for turn in transcript.turns:
            state = _state(turn)
            if self._seen.get(turn.index) != state:
                self._seen[turn.index] = state
                start, end, status, confidence = state
                self.steps.setdefault(turn.index, []).append(
                    {
                        "stage": stage,
                        "result": {
                            "start": start,
                            "end": end,
                            "status": status,
                            "confidence": confidence,
                        },
                    }
                )

    def to_dict(self, transcript: Transcript) -> dict[str, Any]:
        return {
            "turns": [
                {
                    "index": turn.index,
                    "speaker": turn.speaker,
                    "text": turn.text,
                    "start": _rounded(turn.start),
                    "end": _rounded(turn.end),
                    "status": turn.status.value,
                    "confidence": _rounded(turn.confidence),
                    "steps": self.steps.get(turn.index, []),
                }
                for turn in transcript.turns
            ]
        }


@contextmanager
def tracing() -> Iterator[Trace]:
    """Record what the alignments run inside the block decide."""
    trace = Trace()
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)


def note(turn: int, stage: str, decision: str, **facts: Any) -> None:
    """Say why a stage did what it did to a turn, when the run is traced."""
    trace = _current.get()
    if trace is not None:
        trace.note(turn, stage, decision, **facts)


def stage_done(stage: str, transcript: Transcript) -> None:
    trace = _current.get()
    if trace is not None:
        trace.stage_done(stage, transcript)


def _state(turn: Turn) -> tuple:
    return (
        _rounded(turn.start),
        _rounded(turn.end),
        turn.status.value,
        _rounded(turn.confidence),
    )


def _rounded(value: Any) -> Any:
    return round(value, 3) if isinstance(value, float) else value
