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
from podalign.aligner.acoustic import (
    AcousticAligner,
    AcousticPool,
    AcousticWord,
    Search,
    Stretch,
)
from podalign.aligner.precise import sharpen_words
from podalign.aligner.settings import SETTINGS
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


def test_a_turn_under_another_voice_is_found_by_the_wider_search(pcm, dialogue) -> None:
    """The other two turns played under Bob's at half his level: pocketsphinx's default
    beams prune every path through it, at either frame step; the last search keeps them
    and places his words about where it does without the babble."""
    import numpy as np

    onset, offset = speech_bursts(DIALOGUE)[1]
    words = [w.text for w in dialogue.turns[1].words]
    start = onset - 0.4
    voice = pcm.span(start, offset + 0.4).astype(np.float32)
    others = np.concatenate([pcm.span(a, b) for a, b in speech_bursts(DIALOGUE)[::2]])
    babble = np.resize(others.astype(np.float32), voice.shape)
    mixed = np.clip(voice + 0.5 * babble, -32768, 32767).astype(np.int16)
    aligner = AcousticAligner()

    for search in (Search(2), Search(1)):
        assert aligner._align(aligner._decoder(search), mixed, start, words) is None
    placed = aligner.align(mixed, start, words)
    clean = aligner.align(pcm.span(start, offset + 0.4), start, words)

    assert placed is not None and clean is not None
    moved = sorted(abs(a.start - b.start) for a, b in zip(placed, clean, strict=True) if a and b)
    assert moved[len(moved) // 2] <= 0.05


def test_a_word_cut_by_the_stretch_edge_is_marked_as_pinned_there(pcm, dialogue) -> None:
    """A stretch that begins inside the first word and ends inside the last places them on
    its edges; those edges say where the stretch was cut, so they are marked unfound."""
    onset, offset = speech_bursts(DIALOGUE)[1]
    words = [w.text for w in dialogue.turns[1].words]
    start = onset + 0.1

    placed = AcousticAligner().align(pcm.span(start, offset - 0.15), start, words)

    assert placed is not None and placed[0] is not None and placed[-1] is not None
    assert placed[0].start == pytest.approx(start)
    assert not placed[0].start_found and placed[0].end_found
    assert placed[-1].start_found and not placed[-1].end_found
    assert all(p is not None and p.start_found and p.end_found for p in placed[1:-1])


def test_a_stretch_with_quiet_around_its_words_finds_both_edges(pcm, dialogue) -> None:
    onset, offset = speech_bursts(DIALOGUE)[1]
    words = [w.text for w in dialogue.turns[1].words]

    placed = AcousticAligner().align(pcm.span(onset - 0.4, offset + 0.4), onset - 0.4, words)

    assert placed is not None and placed[0] is not None and placed[-1] is not None
    assert placed[0].start_found and placed[-1].end_found


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


def test_a_stretch_aligns_the_same_whatever_was_aligned_before_it(pcm, dialogue) -> None:
    """Which stretches a worker gets depends on timing; the same input must still give
    the same times, so no decoder state may carry from one stretch to the next."""
    stretches = [
        Stretch(max(0.0, a - 0.3), b + 0.3, tuple(w.text for w in turn.words))
        for (a, b), turn in zip(speech_bursts(DIALOGUE), dialogue.turns, strict=True)
    ]
    last = stretches[-1]

    def aligned(order: list[Stretch]):
        aligner = AcousticAligner()
        for stretch in order:
            placed = aligner.align(
                pcm.span(stretch.start, stretch.end), stretch.start, stretch.words
            )
        return placed

    assert aligned([last]) == aligned(stretches) == aligned(stretches[::-1][1:] + [last])


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


def one_timed_turn(text: bytes, times: list[tuple[float, float]]):
    """A transcript of one aligned turn (confidence 1.0) whose words have ``times``."""
    transcript = parse_transcript(text, "t.txt")
    turn = transcript.turns[0]
    for word, (start, end) in zip(turn.words, times, strict=True):
        word.start, word.end = start, end
    turn.start, turn.end = times[0][0], times[-1][1]
    turn.status, turn.confidence = TurnStatus.ALIGNED, 1.0
    return transcript


def test_a_pinned_edge_keeps_whispers_time_and_the_found_edge_is_taken() -> None:
    """Music before a turn lets the aligner stretch the first word back to the cut: that
    start stays Whisper's, while the word's end and the other words take acoustic times."""
    transcript = one_timed_turn(
        b"Host: Well said indeed.\n", [(10.0, 10.3), (10.35, 10.6), (10.7, 11.1)]
    )
    turn = transcript.turns[0]

    def pinned(stretches):
        (stretch,) = stretches
        return [
            [
                AcousticWord(stretch.start, 10.28, 0.9, start_found=False, end_found=True),
                AcousticWord(10.33, 10.58, 0.9, start_found=True, end_found=True),
                AcousticWord(10.72, stretch.end, 0.9, start_found=True, end_found=False),
            ]
        ]

    checks = sharpen_words(transcript, 60.0, pinned)

    assert [(w.start, w.end) for w in turn.words] == [(10.0, 10.28), (10.33, 10.58), (10.72, 11.1)]
    assert checks[0].close == 3 and turn.start == 10.0


def test_a_word_heard_that_the_transcript_left_out_is_aligned_and_not_given_away() -> None:
    """'Thank you, Nell' written 'Thank Nell.': the 'you' Whisper heard goes into the
    aligner's text between them, and its place is nobody's."""
    transcript = one_timed_turn(
        b"Host: Thank Nell. Welcome.\n", [(10.0, 10.3), (10.6, 10.9), (11.2, 11.6)]
    )
    turn = transcript.turns[0]
    asked: list[Stretch] = []

    def aligned(stretches):
        asked.extend(stretches)
        places = [(10.02, 10.25), (10.25, 10.5), (10.62, 10.9), (11.22, 11.6)]
        return [[AcousticWord(s, e, 0.9, start_found=True, end_found=True) for s, e in places]]

    sharpen_words(transcript, 60.0, aligned, left_out={id(turn.words[1]): ["you"]})

    assert asked[0].words == ("Thank", "you", "Nell.", "Welcome.")
    assert [w.start for w in turn.words] == [10.02, 10.62, 11.22]


def test_a_first_word_whisper_heard_late_is_looked_for_back_to_the_previous_turn() -> None:
    """Whisper put "Nobody" 0.6 s late, into the pause after it. The turn's first stretch
    reaches back to the previous turn's last word, and the first word may move that far
    because the second word is where Whisper heard it."""
    transcript = parse_transcript(b"Ann: That is all.\n\nBo: Nobody could say.\n", "t.txt")
    first, second = transcript.turns
    times = [(10.0, 10.3), (10.35, 10.6), (10.7, 11.0), (12.0, 12.2), (12.3, 12.5), (12.5, 12.9)]
    for word, (start, end) in zip(first.words + second.words, times, strict=True):
        word.start, word.end = start, end
    for turn in transcript.turns:
        turn.start, turn.end = turn.words[0].start, turn.words[-1].end
        turn.status, turn.confidence = TurnStatus.ALIGNED, 1.0
    asked: list[Stretch] = []

    def aligner(stretches):
        asked.extend(stretches)
        return [
            [AcousticWord(w.start or 0, w.end or 0, 0.9, True, True) for w in turn.words]
            if stretch.words[0] == "That"
            else [
                AcousticWord(11.4, 11.8, 0.9, True, True),
                AcousticWord(12.32, 12.5, 0.9, True, True),
                AcousticWord(12.5, 12.88, 0.9, True, True),
            ]
            for stretch, turn in zip(stretches, transcript.turns, strict=True)
        ]

    sharpen_words(transcript, 60.0, aligner)

    assert [round(s.start, 2) for s in asked] == [9.0, 11.0]
    assert (second.words[0].start, second.start) == (11.4, 11.4)


def test_a_far_first_word_keeps_whispers_time_when_the_next_word_moved_too() -> None:
    transcript = parse_transcript(b"Bo: Nobody could say.\n", "t.txt")
    (turn,) = transcript.turns
    for word, (start, end) in zip(
        turn.words, [(12.0, 12.2), (12.3, 12.5), (12.5, 12.9)], strict=True
    ):
        word.start, word.end = start, end
    turn.start, turn.end, turn.status, turn.confidence = 12.0, 12.9, TurnStatus.ALIGNED, 1.0

    def elsewhere(stretches):
        return [
            [
                AcousticWord(11.4, 11.8, 0.9, True, True),
                AcousticWord(11.9, 12.0, 0.9, True, True),
                AcousticWord(12.5, 12.88, 0.9, True, True),
            ]
        ]

    sharpen_words(transcript, 60.0, elsewhere)

    assert turn.words[0].start == 12.0


def test_a_sentence_the_aligner_cannot_place_whole_is_placed_half_by_half() -> None:
    """A misheard word breaks the aligner's path through its whole sentence; halving the
    sentence keeps acoustic times for the half without it. Halves are not cut below
    SETTINGS.split_min_words, so the half holding the word keeps Whisper's times."""
    text = b"Host: one two three four five six seven eight nine zebra.\n"
    transcript = parse_transcript(text, "t.txt")
    (turn,) = transcript.turns
    for at, word in enumerate(turn.words):
        word.start, word.end = 10.0 + at * 0.5, 10.4 + at * 0.5
    turn.start, turn.end, turn.status, turn.confidence = 10.0, 14.9, TurnStatus.ALIGNED, 1.0
    asked: list[tuple[str, ...]] = []

    def no_zebras(stretches):
        asked.extend(s.words for s in stretches)
        return [
            None
            if "zebra." in s.words
            else [AcousticWord(w.start + 0.05, w.end, 0.9, True, True) for w in turn.words][
                turn.words.index(next(w for w in turn.words if w.text == s.words[0])) :
            ][: len(s.words)]
            for s in stretches
        ]

    sharpen_words(transcript, 60.0, no_zebras)

    assert asked == [
        tuple(w.text for w in turn.words),
        ("one", "two", "three", "four", "five"),
        ("six", "seven", "eight", "nine", "zebra."),
    ]
    assert [w.start for w in turn.words[:5]] == [10.05, 10.55, 11.05, 11.55, 12.05]
    assert [w.start for w in turn.words[5:]] == [12.5, 13.0, 13.5, 14.0, 14.5]


def test_a_sentence_longer_than_a_piece_is_asked_for_in_parts_cut_at_its_pauses() -> None:
    """A 50-second sentence with no full stop (speech recognition writes them) is aligned
    in parts of at most SETTINGS.piece_seconds, cut where Whisper heard the longest
    pauses, not in one stretch whose one misheard word would fail it all."""
    words = " ".join(f"w{at}" for at in range(100))
    transcript = parse_transcript(f"Host: {words}.\n".encode(), "t.txt")
    (turn,) = transcript.turns
    pauses_after = {29: 0.8, 59: 0.6, 79: 0.3}
    start = 10.0
    for at, word in enumerate(turn.words):
        word.start, word.end = start, start + 0.4
        start = word.end + pauses_after.get(at, 0.1)
    turn.start, turn.end = turn.words[0].start, turn.words[-1].end
    turn.status, turn.confidence = TurnStatus.ALIGNED, 1.0
    asked: list[Stretch] = []

    def aligner(stretches):
        asked.extend(stretches)
        return [None for _ in stretches]

    sharpen_words(transcript, 200.0, aligner)

    first_words = [int(s.words[0][1:]) for s in asked[:4]]
    assert first_words == [0, 30, 60, 80]
    assert all(s.end - s.start <= SETTINGS.piece_seconds + 1 for s in asked)


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
            "import time; pool = AcousticPool(2); print('ready', flush=True); time.sleep(60)",
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


def _twelve_words_aligned(shift: float) -> float | None:
    """A found turn of 12 words, each placed by the aligner ``shift`` s from Whisper."""
    text = b"Host: " + b" ".join(b"word%d" % i for i in range(12)) + b".\n"
    transcript = parse_transcript(text, "t.txt")
    (turn,) = transcript.turns
    for i, word in enumerate(turn.words):
        word.start, word.end = 10.0 + 0.5 * i, 10.3 + 0.5 * i
    turn.start, turn.end, turn.status, turn.confidence = 10.0, 15.8, TurnStatus.ALIGNED, 1.0

    def shifted(stretches):
        return [
            [AcousticWord(w.start + shift, w.end + shift, 0.9, True, True) for w in turn.words]
            for _ in stretches
        ]

    sharpen_words(transcript, 60.0, shifted)
    return turn.confidence


def test_a_turn_the_aligner_hears_mostly_elsewhere_asks_for_a_check() -> None:
    """Most words more than 0.2 s from where Whisper's pairing put them: the turn was paired
    with the wrong stretch, whatever its words matched."""
    assert _twelve_words_aligned(0.4) == SETTINGS.doubtful_confidence
    assert _twelve_words_aligned(0.05) == 1.0


def test_a_word_whisper_did_not_hear_takes_the_acoustic_time_however_far() -> None:
    """ "report" was guessed between its heard neighbours, 1.5 s from where it was said;
    a heard word that far from the aligner keeps Whisper's time, as do the turn's edges."""
    transcript = parse_transcript(b"Tom: With a report on the sales.\n", "t.txt")
    (turn,) = transcript.turns
    times = [(10.0, 10.2), (10.2, 10.3), (11.8, 12.2), (12.2, 12.3), (12.3, 12.4), (12.4, 13.0)]
    for word, (start, end) in zip(turn.words, times, strict=True):
        word.start, word.end = start, end
    turn.start, turn.end, turn.status, turn.confidence = 10.0, 13.0, TurnStatus.ALIGNED, 1.0
    said = [(8.4, 8.6), (10.25, 10.3), (10.3, 10.7), (10.7, 10.8), (12.35, 12.4), (14.0, 14.5)]

    def acoustic(stretches):
        return [[AcousticWord(start, end, 0.9, True, True) for start, end in said]]

    report, on, sales = turn.words[2], turn.words[3], turn.words[5]
    sharpen_words(transcript, 60.0, acoustic, guessed={id(report), id(sales)})

    assert (report.start, report.end) == (10.3, 10.7)
    assert on.start == 12.2  # heard there by Whisper: another pairing, not a finer time
    assert turn.words[0].start == 10.0 and sales.end == 13.0


def test_a_heard_word_far_out_of_order_takes_its_acoustic_place() -> None:
    """Whisper paired "that" with a "that" 6.7 s later; the aligner places it, and the
    guessed words after it, where they were said. Keeping Whisper's time would put it
    after words the aligner placed behind it and drag them all onto its instant."""
    transcript = parse_transcript(b"Ann: A four month trip that crosses the sea.\n", "t.txt")
    (turn,) = transcript.turns
    whisper = [(10.0, 10.1), (10.1, 10.4), (10.4, 10.7), (10.7, 11.0)]
    whisper += [(17.7, 17.9), (17.9, 17.9), (17.9, 17.9), (17.9, 18.0)]
    for word, (start, end) in zip(turn.words, whisper, strict=True):
        word.start, word.end = start, end
    turn.start, turn.end, turn.status, turn.confidence = 10.0, 18.0, TurnStatus.ALIGNED, 1.0
    said = [(10.0, 10.1), (10.1, 10.4), (10.4, 10.7), (10.7, 11.0)]
    said += [(11.0, 11.2), (11.2, 11.7), (11.7, 11.8), (11.8, 18.0)]

    def acoustic(stretches):
        return [[AcousticWord(start, end, 0.9, True, True) for start, end in said]]

    sharpen_words(transcript, 60.0, acoustic, guessed={id(w) for w in turn.words[5:7]})

    assert [w.start for w in turn.words[4:7]] == [11.0, 11.2, 11.7]


def test_a_heard_word_a_little_out_of_order_keeps_whispers_time() -> None:
    """Within SETTINGS.agree_seconds of the order, the aligner is as likely to be the one
    that is off (its piece shifted early by a pinned edge): Whisper's time is kept."""
    transcript = parse_transcript(b"Ann: I love this part.\n", "t.txt")
    (turn,) = transcript.turns
    whisper = [(10.0, 10.2), (10.9, 11.2), (11.2, 11.5), (11.5, 12.0)]
    for word, (start, end) in zip(turn.words, whisper, strict=True):
        word.start, word.end = start, end
    turn.start, turn.end, turn.status, turn.confidence = 10.0, 12.0, TurnStatus.ALIGNED, 1.0
    said = [(10.0, 10.2), (10.2, 10.4), (10.7, 11.0), (11.4, 12.0)]

    def acoustic(stretches):
        return [[AcousticWord(start, end, 0.9, True, True) for start, end in said]]

    sharpen_words(transcript, 60.0, acoustic)

    assert turn.words[1].start == 10.9


def _squeezed_turn(said: list[float], heard: list[float]):
    """14 words, half a second apart, except words 7-9, which Whisper's times squeeze into
    0.1 s at ``heard``. The aligner finds no path through a stretch with the turn's first
    word, nor through one that holds words 7-9 without word 3 (their stretch starts too
    late); any other stretch it places at ``said``."""
    starts = [10.0 + 0.5 * at for at in range(14)]
    starts[7:10] = heard
    text = b"Host: " + b" ".join(b"word%d" % at for at in range(14)) + b".\n"
    transcript = one_timed_turn(text, [(start, start + 0.04) for start in starts])

    def aligner(stretches):
        return [
            None
            if "word0" in stretch.words
            or ("word7" in stretch.words and "word3" not in stretch.words)
            else [
                AcousticWord(
                    said[int(w[4:].rstrip("."))],
                    said[int(w[4:].rstrip("."))] + 0.04,
                    0.9,
                    True,
                    True,
                )
                for w in stretch.words
            ]
            for stretch in stretches
        ]

    sharpen_words(transcript, 60.0, aligner)
    return transcript.turns[0]


def test_squeezed_words_are_aligned_again_with_their_neighbours() -> None:
    """Whisper's times put words 7-9 3 s past where they were said; aligned again in one
    stretch with four words either side, they take the places found there."""
    said = [10.0 + 0.5 * at for at in range(14)]
    turn = _squeezed_turn(said, [16.0, 16.05, 16.1])
    assert [w.start for w in turn.words[7:10]] == said[7:10]


def test_squeezed_words_the_aligner_also_squeezes_keep_their_times() -> None:
    """Said that fast after all (or the aligner no wiser): nothing changes."""
    said = [10.0 + 0.5 * at for at in range(14)]
    said[7:10] = [13.6, 13.62, 13.64]
    turn = _squeezed_turn(said, [13.5, 13.55, 13.6])
    assert [w.start for w in turn.words[7:10]] == [13.5, 13.55, 13.6]
