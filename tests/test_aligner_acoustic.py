"""The acoustic precision stage on committed espeak audio, with the real pocketsphinx model.

dialogue.mp3 is three espeak turns separated by digital silence, so each turn's first
word starts where its burst of sound starts and its last word ends where the burst ends.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from podalign.aligner.acoustic import AcousticAligner, AcousticPool, Stretch
from podalign.aligner.precise import sharpen_words
from podalign.audio import PcmFile, decode_to_file
from podalign.transcripts import parse_transcript
from podalign.transcripts.model import TurnStatus
from test_aligner_end_to_end import speech_bursts

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = FIXTURES / "dialogue.mp3"
ONSET_TOLERANCE = 0.05


@pytest.fixture(scope="module")
def pcm(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    return decode_to_file(DIALOGUE, tmp_path_factory.mktemp("acoustic") / "dialogue.pcm").pcm


@pytest.fixture(scope="module")
def dialogue():
    return parse_transcript((FIXTURES / "dialogue.txt").read_bytes(), "dialogue.txt")


def test_a_turn_aligns_onto_its_burst_of_speech(pcm, dialogue) -> None:
    onset, offset = speech_bursts(DIALOGUE)[1]
    words = [w.text for w in dialogue.turns[1].words]
    start = onset - 0.4
    audio = pcm.span(start, offset + 0.4)

    placed = AcousticAligner().align(audio, start, words)

    assert placed is not None and all(p is not None for p in placed)
    assert abs(placed[0].start - onset) <= ONSET_TOLERANCE
    assert abs(placed[-1].end - offset) <= 2 * ONSET_TOLERANCE
    starts = [p.start for p in placed]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)


def test_text_that_is_not_in_the_audio_is_not_aligned(pcm) -> None:
    onset, offset = speech_bursts(DIALOGUE)[0]
    audio = pcm.span(onset, offset)
    words = "bananas are yellow and taste best with cream and sugar every single morning".split()

    assert AcousticAligner().align(audio, onset, words) is None


def test_worker_processes_give_the_same_times_as_one_aligner(pcm, dialogue) -> None:
    stretches = [
        Stretch(max(0.0, a - 0.3), b + 0.3, tuple(w.text for w in turn.words))
        for (a, b), turn in zip(speech_bursts(DIALOGUE), dialogue.turns, strict=True)
    ]
    with AcousticPool(workers=2) as pool:
        in_workers = pool.align(pcm, stretches)
    with AcousticPool(workers=1) as pool:
        alone = pool.align(pcm, stretches)
    assert in_workers == alone and all(a is not None for a in alone)


def test_sharpening_moves_rough_word_times_onto_the_speech(pcm, dialogue) -> None:
    """Whisper-like times 0.15 s late everywhere come back onto the onsets."""
    bursts = speech_bursts(DIALOGUE)
    for turn, (onset, offset) in zip(dialogue.turns, bursts, strict=True):
        step = (offset - onset) / len(turn.words)
        for i, word in enumerate(turn.words):
            word.start = onset + 0.15 + i * step
            word.end = word.start + step
        turn.start, turn.end = turn.words[0].start, turn.words[-1].end
        turn.status = TurnStatus.ALIGNED

    with AcousticPool(workers=1) as pool:
        checks = sharpen_words(dialogue, pcm.duration, lambda s: pool.align(pcm, s))

    for turn, (onset, _) in zip(dialogue.turns, bursts, strict=True):
        # A soft first consonant ("Welcome") may start a few frames into the burst;
        # the pipeline's edge refinement moves the turn onto the burst afterwards.
        assert abs(turn.start - onset) <= 2 * ONSET_TOLERANCE
        assert checks[turn.index].placed == len(turn.words)


def children_of(pid: int) -> list[int]:
    return [
        int(stat.parent.name)
        for stat in Path("/proc").glob("[0-9]*/stat")
        if _parent_in(stat) == pid
    ]


def _parent_in(stat: Path) -> int | None:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads processes from /proc")
def test_the_workers_die_with_a_killed_parent() -> None:
    # They hold their own task queue open: without the kernel's help they would wait on it
    # for ever after a SIGKILL of the server.
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from podalign.aligner.acoustic import AcousticPool;"
            "import time; AcousticPool(2); print('ready', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
    )
    assert parent.stdout.readline() == b"ready\n"
    workers = children_of(parent.pid)
    assert len(workers) >= 2
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in workers):
        time.sleep(0.05)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]
