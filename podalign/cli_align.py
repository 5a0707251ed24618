"""`podalign align AUDIO TRANSCRIPT -o OUT`: the aligner from the command line, no web side."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from tqdm import tqdm

from podalign.aligner import AlignmentError, align_transcript
from podalign.aligner.trace import tracing
from podalign.audio import AudioError
from podalign.transcripts import (
    Transcript,
    TranscriptError,
    parse_transcript,
    untimed_turn_count,
    write_transcript,
)


def run(args: argparse.Namespace) -> int:
    try:
        transcript = _read_transcript(args.transcript)
        with _ProgressBar(disabled=args.quiet) as bar, tracing() as trace:
            timed = align_transcript(
                args.audio,
                transcript,
                model=args.model,
                language=args.language,
                cache_dir=args.cache_dir,
                progress=bar.update_stage,
            )
        _write_atomically(args.output, write_transcript(timed, args.format))
        if args.trace:
            _write_atomically(args.trace, json.dumps(trace.to_dict(timed), indent=1))
    except (AlignmentError, AudioError, TranscriptError, OSError) as error:
        print(f"podalign: error: {_describe(error)}", file=sys.stderr)
        return 1
    if not args.quiet:
        missing = untimed_turn_count(timed)
        found = len(timed.turns) - missing
        print(f"{found} of {len(timed.turns)} turns aligned; wrote {args.output}", file=sys.stderr)
    return 0


def _read_transcript(path: Path) -> Transcript:
    if not path.is_file():
        raise TranscriptError(f"{path}: no such file")
    return parse_transcript(path.read_bytes(), path.name)


def _write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _describe(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.filename or ''}: {error.strerror}".lstrip(": ")
    return str(error)


class _ProgressBar:
    """A tqdm bar over 0-100 % of the whole run, labelled with the current stage."""

    def __init__(self, disabled: bool) -> None:
        self.bar = tqdm(
            total=100,
            disable=disabled,
            file=sys.stderr,
            unit="%",
            bar_format="{desc:<12} {percentage:3.0f}%|{bar}| [{elapsed}<{remaining}]",
        )
        self.stage = ""

    def update_stage(self, stage: str, fraction: float) -> None:
        if stage != self.stage:
            self.stage = stage
            self.bar.set_description_str(stage)
        self.bar.update(round(fraction * 100, 1) - self.bar.n)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()
