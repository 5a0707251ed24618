"""aligner.trace: notes and per-stage results, only while a run is traced."""

from __future__ import annotations

from podalign.aligner import trace
from podalign.transcripts.model import Transcript, Turn, TurnStatus


def transcript() -> Transcript:
    return Transcript(turns=[Turn(0, "Ann", "Hello there."), Turn(1, "Bo", "Hi.")])


def test_notes_outside_a_traced_run_go_nowhere() -> None:
    trace.note(0, "matching", "aligned")
    with trace.tracing() as recorded:
        pass
    assert recorded.steps == {}


def test_a_stage_records_only_the_turns_it_changed() -> None:
    timed = transcript()
    with trace.tracing() as recorded:
        timed.turns[0].start, timed.turns[0].end = 1.23456, 2.0
        timed.turns[0].status, timed.turns[0].confidence = TurnStatus.ALIGNED, 0.9
        trace.note(0, "matching", "aligned", why="most words matched")
        trace.stage_done("matching", timed)
        trace.stage_done("acoustic", timed)
        timed.turns[0].start = 1.1
        trace.stage_done("edges", timed)
    steps = recorded.to_dict(timed)["turns"][0]["steps"]
    assert [(s["stage"], s.get("decision")) for s in steps] == [
        ("matching", "aligned"),
        ("matching", None),
        ("edges", None),
    ]
    assert steps[1]["result"] == {
        "start": 1.235,
        "end": 2.0,
        "status": "aligned",
        "confidence": 0.9,
    }
    assert steps[2]["result"]["start"] == 1.1
    # The second turn was never changed: a pending turn from the transcript, as it came.
    assert recorded.to_dict(timed)["turns"][1]["steps"] == [
        {
            "stage": "matching",
            "result": {"start": None, "end": None, "status": "pending", "confidence": None},
        }
    ]
