"""Build a long benchmark case by repeating a shorter one, for drift and memory checks.

    python benchmarks/long_case.py ../shared/bench/cases/seed-full 6 /tmp/long-case

The audio is the case's audio decoded and played N times over, encoded once;
the transcript holds the turns N times over (so every sentence is said N
times, far apart), and truth.json shifts each copy's times by its offset.
Score it like any case: benchmarks/run.sh /tmp/long-case
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from podalign.audio import SAMPLE_RATE, decode_pcm16
from podalign.audio.ffmpeg import ffmpeg_exe
from podalign.transcripts import parse_transcript


def build(case: Path, copies: int, out: Path) -> None:
    truth = json.loads((case / "truth.json").read_text())
    samples = decode_pcm16(case / truth.get("audio", "audio.mp3"))
    copy_seconds = len(samples) / SAMPLE_RATE
    out.mkdir(parents=True, exist_ok=True)
    encode = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "s16le"]
    encode += [
        "-ar",
        str(SAMPLE_RATE),
        "-ac",
        "1",
        "-i",
        "-",
        "-b:a",
        "64k",
        str(out / "audio.mp3"),
    ]
    with subprocess.Popen(encode, stdin=subprocess.PIPE) as ffmpeg:
        assert ffmpeg.stdin is not None
        for _ in range(copies):
            ffmpeg.stdin.write(samples.tobytes())
        ffmpeg.stdin.close()
    transcript = parse_transcript((case / "transcript.txt").read_bytes())
    paragraphs = [f"{t.speaker}: {t.text}" for t in transcript.turns]
    (out / "transcript.txt").write_text("\n\n".join(paragraphs * copies) + "\n")
    turns = []
    for copy in range(copies):
        offset = copy * copy_seconds
        for turn in truth["turns"]:
            turns.append(_shifted(turn, offset))
    long_truth = {"audio": "audio.mp3", "duration": copy_seconds * copies, "turns": turns}
    (out / "truth.json").write_text(json.dumps(long_truth))


def _shifted(turn: dict, offset: float) -> dict:
    def shift(value: float | None) -> float | None:
        return None if value is None else round(value + offset, 3)

    words = [{**w, "start": shift(w["start"]), "end": shift(w["end"])} for w in turn["words"]]
    return {**turn, "start": shift(turn["start"]), "end": shift(turn["end"]), "words": words}


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]))
