"""The `podalign` command: `align`, `serve` and `worker`.

Only the parsers live here. Each command's work is imported when it runs, so
`podalign align` never loads the web side (Flask, huey, waitress).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from podalign.aligner.models import DEFAULT_MODEL
from podalign.transcripts import FORMATS

EXTENSION_FORMATS = {".json": "json", ".srt": "srt", ".vtt": "vtt", ".txt": "txt"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podalign",
        description="Align podcast transcripts to their audio.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_align(commands)
    _add_serve(commands)
    _add_worker(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "align" and args.format is None:
        args.format = EXTENSION_FORMATS.get(args.output.suffix.lower())
        if args.format is None:
            parser.error(
                f"cannot tell the format from {args.output.name!r}: "
                "use .json, .srt, .vtt or .txt, or --format"
            )
    return args.run(args)


def _run_align(args: argparse.Namespace) -> int:
    from podalign.cli_align import run

    return run(args)


def _run_serve(args: argparse.Namespace) -> int:
    from podalign.api.serve import run_serve

    return run_serve(args)


def _run_worker(args: argparse.Namespace) -> int:
    from podalign.api.serve import run_worker

    return run_worker(args)


def _add_align(commands: argparse._SubParsersAction) -> None:
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
    parser.add_argument(
        "--trace",
        type=Path,
        metavar="TRACE.json",
        help="also write, per turn, what each stage decided and why",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(run=_run_align)


def _add_serve(commands: argparse._SubParsersAction) -> None:
    serve = commands.add_parser(
        "serve",
        help="run the web app and JSON API, with job workers inside",
        description="Serve the player pages and JSON API with waitress. Jobs run on worker"
        " threads in this process (see --workers); with PODALIGN_REDIS_URL set, `podalign"
        " worker` can run more of them on other machines sharing the data dir.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (%(default)s)")
    serve.add_argument(
        "--port", type=int, default=8000, help="port to listen on; 0 picks a free one (%(default)s)"
    )
    serve.add_argument(
        "--threads", type=int, default=8, help="threads answering HTTP requests (%(default)s)"
    )
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a host name the server answers to (repeatable); bound to loopback, the"
        " loopback names are allowed too; bound elsewhere with none given, any name is",
    )
    _add_job_options(serve)
    serve.set_defaults(run=_run_serve)


def _add_worker(commands: argparse._SubParsersAction) -> None:
    worker = commands.add_parser(
        "worker",
        help="run alignment jobs only (no web server)",
        description="Run job workers against the queue of a data dir shared with `podalign"
        " serve`: Redis when PODALIGN_REDIS_URL is set, else the data dir's SQLite queue"
        " (same machine only).",
    )
    _add_job_options(worker)
    worker.add_argument(
        "--server",
        metavar="URL",
        help="take jobs for this podalign server from Redis and talk to it over HTTP only:"
        " no shared data dir (--data-dir is then this worker's own scratch and cache)",
    )
    worker.add_argument(
        "--token",
        help="the server's worker token, for --server (default: $PODALIGN_WORKER_TOKEN)",
    )
    worker.set_defaults(run=_run_worker)


def _add_job_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        help="where episodes, the database and the queue live"
        " (default: $PODALIGN_DATA_DIR or ./podalign-data)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="alignment jobs run at once; each keeps about two cores busy (%(default)s)",
    )


if __name__ == "__main__":
    from podalign.entry import main as start

    sys.exit(start())
