"""Build a long benchmark case by joining cases end to end, for drift, repeats and memory.

    python benchmarks/long_case.py /tmp/long-case \\
        ../shared/bench/cases/seed-full ../shared/bench/cases/noisy-mismatch \\
        ../shared/bench/cases/seed-full
    python benchmarks/long_case.py /tmp/three-hours --hours 3 \\
        ../shared/bench/cases/seed-full ../shared/bench/cases/noisy-mismatch

The cases are played one after another, each once in the order given (a
case named twice says every sentence twice, far apart); with ``--hours`` or
``--copies`` they are cycled through until the audio is at least that long
(or that many cases have been used). The result is encoded once; the
transcript holds each part's turns in the same order, and truth.json shifts
each part's times by its offset. Samples are streamed from each case's
decode on disk, so building a 3-hour case takes little memory.
Score it like any case: benchmarks/run.sh /tmp/long-case
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from podalign.audio import SAMPLE_RATE, PcmFile, decode_to_file
from podalign.audio.ffmpeg import ffmpeg_exe
from podalign.transcripts import parse_transcript

CHUNK_SECONDS = 60.0


def build(cases: list[Path], out: Path, hours: float | None, copies: int | None) -> None:
    out.mkdir(parents=True, exist_ok=True)
    encode = [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-y", "-f", "s16le"]
    encode += ["-ar", str(SAMPLE_RATE), "-ac", "1", "-i", "-", "-b:a", "64k"]
    encode += [str(out / "audio.mp3")]
    paragraphs: list[str] = []
    turns: list[dict] = []
    offset = 0.0
    with tempfile.TemporaryDirectory() as scratch:
        decoded: dict[Path, PcmFile] = {}
        with subprocess.Popen(encode, stdin=subprocess.PIPE) as ffmpeg:
            assert ffmpeg.stdin is not None
            for used, case in enumerate(_played(cases, hours, copies)):
                if (copies is not None and used >= copies) or (
                    hours is not None and offset >= hours * 3600
                ):
                    break
                truth = json.loads((case / "truth.json").read_text())
                if case not in decoded:
                    pcm_path = Path(scratch) / f"{len(decoded)}.pcm"
                    audio = case / truth.get("audio", "audio.mp3")
                    decoded[case] = decode_to_file(audio, pcm_path).pcm
                pcm = decoded[case]
                for start in range(0, int(pcm.duration / CHUNK_SECONDS) + 1):
                    seconds = start * CHUNK_SECONDS
                    ffmpeg.stdin.write(pcm.span(seconds, seconds + CHUNK_SECONDS).tobytes())
                transcript = parse_transcript((case / "transcript.txt").read_bytes())
                paragraphs += [f"{t.speaker}: {t.text}" for t in transcript.turns]
                turns += [_shifted(turn, offset) for turn in truth["turns"]]
                offset += pcm.duration
            ffmpeg.stdin.close()
    (out / "transcript.txt").write_text("\n\n".join(paragraphs) + "\n")
    long_truth = {"audio": "audio.mp3", "duration": offset, "turns": turns}
    (out / "truth.json").write_text(json.dumps(long_truth))


def _played(cases: list[Path], hours: float | None, copies: int | None) -> Iterator[Path]:
    """The cases in order: once each, or over and over when a length is asked for."""
    if hours is None and copies is None:
        return iter(cases)
    return itertools.cycle(cases)


def _shifted(turn: dict, offset: float) -> dict:
    def shift(value: float | None) -> float | None:
        return None if value is None else round(value + offset, 3)

    words = [{**w, "start": shift(w["start"]), "end": shift(w["end"])} for w in turn["words"]]
    return {**turn, "start": shift(turn["start"]), "end": shift(turn["end"]), "words": words}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("cases", type=Path, nargs="+")
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--hours", type=float, help="cycle through the cases: at least this long")
    length.add_argument("--copies", type=int, help="cycle through the cases: this many in all")
    args = parser.parse_args()
    build(args.cases, args.out, args.hours, args.copies)
