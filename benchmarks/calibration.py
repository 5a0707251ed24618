"""How well a turn's confidence predicts its start error: the table in calibration.md.

    python benchmarks/calibration.py OUTPUTS CASE... > benchmarks/calibration.md

OUTPUTS holds the aligner's JSON per case as <case name>.json (benchmarks/run.sh keeps
them in benchmarks/.outputs); each CASE is a benchmark folder with its truth.json.
The rule it checks: a turn below CHECK_BELOW is one to check by hand; every turn whose
start is more than 0.5 s off should be below it, and at most 10% of present turns.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

CHECK_BELOW = 0.5
BANDS = ((0.0, 0.5), (0.5, 0.7), (0.7, 0.85), (0.85, 1.0001))
WITHIN = (0.1, 0.25, 0.5)


def turn_errors(outputs: Path, cases: list[Path]) -> list[tuple[str, int, float, float]]:
    """(case, turn, start error in s, confidence) for every present turn the aligner timed."""
    rows = []
    for case in cases:
        truth = json.loads((case / "truth.json").read_text())["turns"]
        result = json.loads((outputs / f"{case.name}.json").read_text())["turns"]
        for index, (true, found) in enumerate(zip(truth, result, strict=True)):
            if true["start"] is None or found["start"] is None:
                continue
            confidence = found.get("confidence") or 0.0
            rows.append((case.name, index, abs(found["start"] - true["start"]), confidence))
    return rows


def report(rows: list[tuple[str, int, float, float]]) -> str:
    lines = [
        "| confidence | turns | within 0.1 s | within 0.25 s | within 0.5 s | worst |",
        "|---|---|---|---|---|---|",
    ]
    for lo, hi in BANDS:
        errors = [e for _, _, e, c in rows if lo <= c < hi]
        if not errors:
            lines.append(f"| {lo:.2f}-{min(hi, 1):.2f} | 0 | | | | |")
            continue
        shares = " | ".join(f"{sum(e <= w for e in errors) / len(errors):.0%}" for w in WITHIN)
        band = f"{lo:.2f}-{min(hi, 1):.2f}"
        lines.append(f"| {band} | {len(errors)} | {shares} | {max(errors):.3f} s |")
    far = [(case, i, e, c) for case, i, e, c in rows if e > 0.5]
    missed = [
        f"{case} turn {i} ({e:.2f} s off, {c:.2f})" for case, i, e, c in far if c >= CHECK_BELOW
    ]
    flagged = sum(c < CHECK_BELOW for *_, c in rows)
    lines += [
        "",
        f"Rule 'confidence below {CHECK_BELOW} = check this turn' over {len(rows)} timed present "
        f"turns: {len(far)} start more than 0.5 s off, {len(far) - len(missed)} of them below "
        f"{CHECK_BELOW}; {flagged} turns ({flagged / len(rows):.0%}) are below {CHECK_BELOW} "
        "(at most 10% wanted).",
    ]
    if missed:
        lines.append("Missed by the rule: " + "; ".join(missed) + ".")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(turn_errors(Path(sys.argv[1]), [Path(c) for c in sys.argv[2:]])))
