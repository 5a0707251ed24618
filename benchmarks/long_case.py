"""Build a long benchmark case by joining cases end to end, for drift, repeats and memory.

    python benchmarks/long_case.py /tmp/long-case \\
        ../shared/bench/cases/seed-full ../shared/bench/cases/noisy-mismatch \\
        ../shared/bench/cases/seed-full

The audio is the cases' audio decoded and played one after another, encoded once; the
transcript holds their turns in the same order (a case named twice says every sentence
twice, far apart), and truth.json shifts each part's times by its offset.
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


def build(cases: list[Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    encode = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "s16le"]
    encode += ["-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "-", "-b:a", "64k"]
    offset = 0.0
    paragraphs: list[str] = []
    turns: list[dict] = []
    with subprocess.Popen([*encode, str(out / "audio.mp3")], stdin=subprocess.PIPE) as ffmpeg:
        assert ffmpeg.stdin is not None
        for case in cases:
            truth = json.loads((case / "truth.json").read_text())
            samples = decode_pcm16(case / truth.get("audio", "audio.mp3"))
            ffmpeg.stdin.write(samples.tobytes())
            transcript = parse_transcript((case / "transcript.txt").read_bytes())
            paragraphs += [f"{t.speaker}: {t.text}" for t in transcript.turns]
            turns += [_shifted(turn, offset) for turn in truth["turns"]]
            offset += len(samples) / SAMPLE_RATE
        ffmpeg.stdin.close()
    (out / "transcript.txt").write_text("\n\n".join(paragraphs) + "\n")
    long_truth = {"audio": "audio.mp3", "duration": offset, "turns": turns}
    (out / "truth.json").write_text(json.dumps(long_truth))


def _shifted(turn: dict, offset: float) -> dict:
    def shift(value: float | None) -> float | None:
        return None if value is None else round(value + offset, 3)

    words = [{**w, "start": shift(w["start"]), "end": shift(w["end"])} for w in turn["words"]]
    return {**turn, "start": shift(turn["start"]), "end": shift(turn["end"]), "words": words}


if __name__ == "__main__":
    build([Path(case) for case in sys.argv[2:]], Path(sys.argv[1]))
