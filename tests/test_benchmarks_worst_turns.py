"""benchmarks/worst_turns.py: per-turn errors that point the aligner work at its failures."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "benchmarks" / "worst_turns.py"
spec = importlib.util.spec_from_file_location("worst_turns", SCRIPT)
assert spec is not None and spec.loader is not None
worst_turns = importlib.util.module_from_spec(spec)
sys.modules["worst_turns"] = worst_turns  # dataclasses look their module up there
spec.loader.exec_module(worst_turns)

TRUTH = {
    "audio": "audio.mp3",
    "duration": 20.0,
    "turns": [
        {
            "speaker": "A",
            "start": 1.0,
            "end": 3.0,
            "words": [
                {"text": "Hello", "start": 1.0, "end": 1.4},
                {"text": "there.", "start": 1.5, "end": 3.0},
            ],
        },
        {
            "speaker": "B",
            "start": None,
            "end": None,
            "words": [{"text": "Cut.", "start": None, "end": None}],
        },
        {
            "speaker": "B",
            "start": 4.0,
            "end": 9.0,
            "words": [
                {"text": "It", "start": 4.0, "end": 4.2},
                {"text": "starts", "start": 4.3, "end": 9.0},
            ],
        },
        {
            "speaker": "A",
            "start": 10.0,
            "end": 12.0,
            "words": [{"text": "Right.", "start": 10.0, "end": 12.0}],
        },
    ],
}
OUTPUT = {
    "turns": [
        {"speaker": "A", "start": 1.02, "end": 3.0, "confidence": 0.9, "status": "aligned"},
        {"speaker": "B", "start": 3.5, "end": 3.6, "confidence": 0.7, "status": "aligned"},
        {"speaker": "B", "start": 1.8, "end": 9.1, "confidence": 0.8, "status": "aligned"},
        {"speaker": "A", "start": None, "end": None, "confidence": None, "status": "not_found"},
    ]
}


def test_compare_separates_present_absent_and_unplaced_turns() -> None:
    present, absent_placed = worst_turns.compare(TRUTH, OUTPUT)

    assert absent_placed == [1]
    assert [t.index for t in present] == [0, 2, 3]
    assert abs(present[1].start_error - 2.2) < 1e-9
    assert abs(present[1].end_error - 0.1) < 1e-9
    assert present[2].start_error is None
    assert present[1].text == "It starts"


def test_cli_lists_the_worst_turn_first_and_counts_confident_misses(tmp_path: Path) -> None:
    case = tmp_path / "show"
    case.mkdir()
    (case / "truth.json").write_text(json.dumps(TRUTH))
    outputs = tmp_path / "outputs"
    outputs.mkdir()
    (outputs / "show.json").write_text(json.dumps(OUTPUT))

    run = subprocess.run(
        [sys.executable, str(SCRIPT), str(outputs), str(case), "--top", "1"],
        capture_output=True,
        text=True,
        check=True,
    )

    lines = run.stdout.splitlines()
    assert lines[0] == "== show: 3 present turns, 1 unplaced, 1 absent placed [1]"
    assert lines[1].startswith("  turn   2 B")
    assert "(err 2.200)" in lines[1]
    assert "not_found" in lines[2]
    assert "1 start more than 0.5 s off, of which 0 have confidence < 0.5" in run.stdout
