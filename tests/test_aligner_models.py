"""aligner.models: how the process's heap is set up for Whisper's buffers."""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run apart from pytest's own heap: 100 blocks of 4 MB, nine in ten freed, leave holes
# glibc keeps; the resident size before and after handing them back, in MiB.
HOLES = """
import os
import numpy as np
from podalign.aligner.models import _share_one_heap, release_free_memory

def resident():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20

_share_one_heap()
blocks = [np.ones(500_000) for _ in range(100)]
kept = blocks[9::10]
del blocks
before = resident()
release_free_memory()
print(before, resident())
"""


# A 54 MB block (the size of one of Whisper's attention buffers) allocated and freed
# ten times: the page faults of the first time, and of all ten.
REUSED = """
import resource
import numpy as np
from podalign.aligner.models import _share_one_heap

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

_share_one_heap()
start = faults()
np.ones(54_000_000 // 8)
first = faults() - start
for _ in range(9):
    np.ones(54_000_000 // 8)
print(first, faults() - start)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_a_large_freed_block_is_reused_not_mapped_and_faulted_in_again() -> None:
    run = subprocess.run([sys.executable, "-c", REUSED], capture_output=True, text=True, timeout=60)
    first, all_ten = map(int, run.stdout.split())
    assert all_ten < 2 * first


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap")
def test_freed_blocks_inside_the_heap_go_back_to_the_system() -> None:
    run = subprocess.run([sys.executable, "-c", HOLES], capture_output=True, text=True, timeout=60)
    before, after = map(int, run.stdout.split())
    assert before - after > 200  # the 90 freed blocks: 343 MiB
