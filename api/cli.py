"""The `podalign` command: align, serve, worker."""

from __future__ import annotations

import argparse
import sys

from api import cli_align, cli_serve


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podalign",
        description="Align podcast transcripts to their audio.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_align.add_parser(commands)
    cli_serve.add_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
