"""The `podalign` console script: restart with huge pages, then run the command.

Kept free of heavy imports (numpy, faster-whisper, Flask): the restart
happens before any of them load, so it costs a process start, not an import.
"""

from __future__ import annotations

import os
import sys

# glibc's tunable for backing large malloc'd blocks with transparent huge pages.
HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"


def main() -> int:
    _restart_with_huge_pages()
    from podalign.cli import main as run_command

    return run_command()


def _restart_with_huge_pages() -> None:
    """Start the command again with glibc told to back large blocks with huge pages.

    The aligner keeps Whisper's buffers (54 MB attention buffers among them)
    in one heap that grows to about 400 MB in the first windows
    (aligner/models.py); backed by transparent huge pages it grows 2 MB at a
    time: seed-full's run took 120,000 page faults instead of 255,000-286,000
    (benchmarks/PERF.md). glibc reads the tunable only when a process starts,
    hence the restart; other C libraries ignore it.
    """
    environment = huge_pages_environment(dict(os.environ))
    if environment is not None:
        os.execve(sys.executable, [sys.executable, "-m", "podalign", *sys.argv[1:]], environment)


def huge_pages_environment(environment: dict[str, str]) -> dict[str, str] | None:
    """``environment`` with the huge-pages tunable added; None when it needs no change."""
    tunables = environment.get("GLIBC_TUNABLES", "")
    if not sys.platform.startswith("linux") or "glibc.malloc.hugetlb" in tunables:
        return None
    joined = ":".join(t for t in (tunables, HUGE_PAGES_TUNABLE) if t)
    return {**environment, "GLIBC_TUNABLES": joined}
