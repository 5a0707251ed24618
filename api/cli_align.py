"""`podalign align AUDIO TRANSCRIPT -o OUT`: the aligner from the command line."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tqdm import tqdm

from aligner import DEFAULT_MODEL, AlignmentError, align_transcript
from audio import AudioError
from transcripts import (
    FORMATS,
    Transcript,
    TranscriptError,
    parse_transcript,
    untimed_turn_count,
    write_transcript,
)

EXTENSION_FORMATS = {".json": "json", ".srt": "srt", ".vtt": "vtt", ".txt": "txt"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "align",
        help="align a transcript to its audio and write the timed transcript",
        description="Align a transcript to its audio. The output format follows the "
        "extension of OUT (.json, .srt, .vtt, .txt) unless --format says otherwise.",
    )
    parser.add_argument("audio", type=Path, help="the episode audio (anything ffmpeg decodes)")
    parser.add_argument("transcript", type=Path, help="the transcript (AI page, SRT, VTT, ...)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="where to write")
    parser.add_argument("-f", "--format", choices=sorted(FORMATS), help="output format")
    parser.add_argument(
        "--model",
        default=os.environ.get("PODALIGN_MODEL", DEFAULT_MODEL),
        help="tiny.en (bundled), base, a CTranslate2 model directory, or a model name",
    )
    parser.add_argument(
        "--language",
        help="language code of the audio, e.g. de; multilingual models detect it when not given",
    )
    parser.add_argument("--cache-dir", type=Path, help="where recognition results are cached")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        fmt = args.format or _format_of(args.output)
        transcript = _read_transcript(args.transcript)
        with _ProgressBar(disabled=args.quiet) as bar:
            timed = align_transcript(
                args.audio,
                transcript,
                model=args.model,
                language=args.language,
                cache_dir=args.cache_dir,
                progress=bar.update_stage,
            )
        _write_atomically(args.output, write_transcript(timed, fmt))
    except (AlignmentError, AudioError, TranscriptError, OSError) as error:
        print(f"podalign: error: {_describe(error)}", file=sys.stderr)
        return 1
    if not args.quiet:
        missing = untimed_turn_count(timed)
        found = len(timed.turns) - missing
        print(f"{found} of {len(timed.turns)} turns aligned; wrote {args.output}", file=sys.stderr)
    return 0


def _format_of(output: Path) -> str:
    fmt = EXTENSION_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise AlignmentError(
            f"cannot tell the format from {output.name!r}: use .json, .srt, .vtt or .txt, "
            "or --format"
        )
    return fmt


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
