"""Show the turns an aligner got most wrong in each benchmark case, and why they stand out.

    python benchmarks/worst_turns.py OUTPUTS_DIR CASE_DIR... [--top 6]

OUTPUTS_DIR holds the aligner's JSON output per case as <case name>.json (benchmarks/run.sh
keeps them in benchmarks/.outputs). For each case it prints the present turns with the
largest start error (truth and aligned start, end error, aligned and true span, confidence,
status, the turn's first words), the turns placed although absent from the audio, and the
present turns left without times; then, over all cases, how confidence relates to error.
Needs only the standard library.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import dataclass
from pathlib import Path

# Errors above this are the ones a user has to find and fix by hand (issue 9, point 3).
CHECK_THRESHOLD_S = 0.5


@dataclass(frozen=True)
class TurnError:
    index: int
    speaker: str
    true_start: float
    true_end: float
    start: float | None
    end: float | None
    confidence: float | None
    status: str
    text: str
    # Speech before the first transcript word: a filler the transcript dropped.
    unwritten_lead: float

    @property
    def start_error(self) -> float | None:
        return None if self.start is None else abs(self.start - self.true_start)

    @property
    def end_error(self) -> float | None:
        return None if self.end is None else abs(self.end - self.true_end)


def _num(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def compare(truth: dict, output: dict) -> tuple[list[TurnError], list[int]]:
    """Present turns with their errors, and the indexes of absent turns that got times."""
    present, absent_placed = [], []
    for i, (t, r) in enumerate(zip(truth["turns"], output["turns"], strict=True)):
        start, end = _num(r.get("start")), _num(r.get("end"))
        if t["start"] is None:
            if start is not None:
                absent_placed.append(i)
            continue
        text = " ".join(w["text"] for w in t["words"])
        first_word = min(w["start"] for w in t["words"] if w["start"] is not None)
        present.append(
            TurnError(
                i,
                t["speaker"],
                t["start"],
                t["end"],
                start,
                end,
                _num(r.get("confidence")),
                str(r.get("status", "")),
                text,
                first_word - t["start"],
            )
        )
    return present, absent_placed


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def describe(turn: TurnError, words: int = 8) -> str:
    head = " ".join(turn.text.split()[:words])
    span = None if turn.start is None or turn.end is None else turn.end - turn.start
    return (
        f"  turn {turn.index:3d} {turn.speaker[:18]:18s} start {_fmt(turn.true_start)} -> "
        f"{_fmt(turn.start)} (err {_fmt(turn.start_error, 3)}), end err "
        f"{_fmt(turn.end_error, 3)}, span {_fmt(span)} of {_fmt(turn.true_end - turn.true_start)}"
        f", conf {_fmt(turn.confidence)} {turn.status}"
        + (f", unwritten lead-in {turn.unwritten_lead:.2f}" if turn.unwritten_lead > 0.05 else "")
        + f": {head!r}"
    )


def report_case(name: str, truth: dict, output: dict, top: int) -> list[TurnError]:
    present, absent_placed = compare(truth, output)
    unplaced = [t for t in present if t.start_error is None]
    timed = sorted(
        (t for t in present if t.start_error is not None), key=lambda t: -(t.start_error or 0.0)
    )
    print(
        f"== {name}: {len(present)} present turns, {len(unplaced)} unplaced, "
        f"{len(absent_placed)} absent placed {absent_placed}"
    )
    for turn in timed[:top]:
        print(describe(turn))
    for turn in unplaced:
        print(describe(turn))
    return present


def report_confidence(turns: list[TurnError]) -> None:
    # (confidence, start error) of every turn that has both
    timed = [
        (t.confidence, t.start_error)
        for t in turns
        if t.start_error is not None and t.confidence is not None
    ]
    if not timed:
        return
    bad = [conf for conf, err in timed if err > CHECK_THRESHOLD_S]
    flagged = [conf for conf, _ in timed if conf < 0.5]
    print(
        f"== confidence: {len(timed)} timed turns, {len(bad)} start more than "
        f"{CHECK_THRESHOLD_S} s off, of which {sum(conf < 0.5 for conf in bad)} "
        f"have confidence < 0.5; {len(flagged)} turns ({len(flagged) / len(timed):.0%}) "
        f"have confidence < 0.5"
    )
    for low, high in ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.01)):
        band = [err for conf, err in timed if low <= conf < high]
        if band:
            within = sum(e <= 0.1 for e in band) / len(band)
            print(
                f"   conf [{low:.2f}, {min(high, 1.0):.2f}): {len(band):4d} turns, median err "
                f"{statistics.median(band):.3f} s, max {max(band):.3f} s, "
                f"within 0.1 s {within:.0%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outputs", type=Path, help="folder with <case name>.json outputs")
    parser.add_argument("cases", type=Path, nargs="+", help="benchmark case folders")
    parser.add_argument("--top", type=int, default=6, help="worst turns to show per case")
    args = parser.parse_args()
    everything = []
    for case in args.cases:
        result = args.outputs / f"{case.name}.json"
        if not result.exists():
            print(f"== {case.name}: no output at {result}")
            continue
        truth = json.loads((case / "truth.json").read_text())
        everything += report_case(case.name, truth, json.loads(result.read_text()), args.top)
    report_confidence(everything)


if __name__ == "__main__":
    main()
