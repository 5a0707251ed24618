"""align_transcript end to end with the real bundled tiny.en model on short committed audio.

The true turn onsets are read from the audio's own loudness here, not taken on trust:
the fixtures are espeak speech separated by digital silence, so each turn is one burst.

``repeated_sentence.ogg`` was made with espeak-ng and sox: 1.0 s of silence, then
"The weather is lovely today. Shall we go for a walk by the river?" (en-us), 0.8 s,
"I would like that. Let me find my boots first." (en-gb+m3), 0.8 s,
"The weather is lovely today." (en-gb+m3), 0.8 s, "Then let us go before it rains."
(en-us), 1.2 s; encoded as Opus at 24 kb/s.
"""

from __future__ import annotations

import copy
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
from podalign.aligner import AlignmentError, align_transcript, pipeline
from podalign.aligner.settings import SETTINGS
from podalign.audio import PcmFile, decode_to_file
from podalign.transcripts import Transcript, TurnStatus, parse_transcript

pytestmark = [pytest.mark.slow, pytest.mark.whisper]

FIXTURES = Path(__file__).parent / "fixtures"
ONSET_TOLERANCE = 0.25


def speech_bursts(audio: Path, level_db: float = -50.0, gap: float = 0.5):
    """(start, end) of each stretch of sound, with pauses shorter than ``gap`` bridged."""
    with tempfile.TemporaryDirectory() as folder:
        envelope = decode_to_file(audio, Path(folder) / "audio.pcm").envelope
    loud = np.flatnonzero(envelope.db > level_db)
    bursts: list[list[float]] = []
    for frame in loud:
        t = float(envelope.seconds_of(int(frame)))
        if bursts and t - bursts[-1][1] <= gap:
            bursts[-1][1] = t + envelope.frame_seconds
        else:
            bursts.append([t, t + envelope.frame_seconds])
    return [tuple(b) for b in bursts]


def read(name: str) -> Transcript:
    return parse_transcript((FIXTURES / name).read_bytes(), name)


def assert_words_timed_in_order(transcript: Transcript) -> None:
    """Every spoken word of a found turn timed, starts in order, turns not overlapping."""
    previous = 0.0
    previous_end = 0.0
    for turn in transcript.turns:
        if turn.status == TurnStatus.NOT_FOUND:
            continue
        assert turn.start >= previous_end - 1e-6, (turn.index, turn.start, previous_end)
        previous_end = turn.end
        for word in turn.words:
            if not word.spoken:
                assert word.start is None and word.end is None
                continue
            assert word.start is not None and word.end is not None, (turn.index, word)
            assert word.start >= previous - 1e-6, (turn.index, word)
            assert word.end >= word.start, (turn.index, word)
            assert turn.start - 1e-6 <= word.start and word.end <= turn.end + 1e-6
            previous = word.start


class Progress:
    def __init__(self) -> None:
        self.events: list[tuple[str, float]] = []

    def __call__(self, stage: str, fraction: float) -> None:
        self.events.append((stage, fraction))


@pytest.fixture(scope="module")
def dialogue(recognition_cache: Path) -> tuple[Transcript, Transcript]:
    """dialogue.txt as read, and as aligned to dialogue.mp3."""
    transcript = read("dialogue.txt")
    return transcript, align_transcript(
        FIXTURES / "dialogue.mp3", transcript, cache_dir=recognition_cache
    )


def test_dialogue_every_turn_starts_at_its_onset(dialogue) -> None:
    _, timed = dialogue
    bursts = speech_bursts(FIXTURES / "dialogue.mp3")
    assert len(bursts) == 3, bursts
    assert bursts[0][0] == pytest.approx(1.2, abs=0.05)  # the fixture's 1.2 s of lead-in
    assert [t.speaker for t in timed.turns] == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]
    for turn, (onset, offset) in zip(timed.turns, bursts, strict=True):
        assert turn.status == TurnStatus.ALIGNED
        assert 0.5 <= turn.confidence <= 1.0
        assert turn.start == pytest.approx(onset, abs=ONSET_TOLERANCE), turn.text
        assert turn.end == pytest.approx(offset, abs=0.35), turn.text


def test_dialogue_words_are_timed_and_in_order(dialogue) -> None:
    _, timed = dialogue
    assert_words_timed_in_order(timed)
    first = timed.turns[0].words
    assert [w.text for w in first[:4]] == ["Welcome", "to", "the", "show."]
    assert first[0].start == timed.turns[0].start


def test_align_transcript_leaves_its_input_untimed(dialogue) -> None:
    original, timed = dialogue
    assert timed is not original
    assert all(t.start is None and t.status == TurnStatus.PENDING for t in original.turns)
    assert all(w.start is None for t in original.turns for w in t.words)
    assert [t.text for t in timed.turns] == [t.text for t in original.turns]
    assert [len(t.words) for t in timed.turns] == [len(t.text.split()) for t in original.turns]


def test_music_intro_and_a_cut_turn(recognition_cache: Path) -> None:
    audio = FIXTURES / "music_intro.ogg"
    timed = align_transcript(audio, read("music_intro_cut_turn.txt"), cache_dir=recognition_cache)
    music, *speech = speech_bursts(audio)
    assert music[0] == 0.0 and music[1] == pytest.approx(3.0, abs=0.1)
    assert len(speech) == 2, speech

    first, cut, last = timed.turns
    assert first.status == TurnStatus.ALIGNED
    assert first.start >= 3.5
    assert first.start == pytest.approx(speech[0][0], abs=0.3)

    assert cut.text.startswith("[laughter] Before we begin")
    assert cut.status == TurnStatus.NOT_FOUND
    assert cut.start is None and cut.end is None
    assert all(w.start is None and w.end is None for w in cut.words)

    assert last.status == TurnStatus.ALIGNED
    assert last.start > first.end
    assert last.start == pytest.approx(speech[1][0], abs=0.3)
    assert_words_timed_in_order(timed)


def test_a_sentence_said_twice_gets_two_times(tmp_path: Path) -> None:
    audio = FIXTURES / "repeated_sentence.ogg"
    progress = Progress()
    timed = align_transcript(
        audio, read("repeated_sentence.txt"), cache_dir=tmp_path, progress=progress
    )
    bursts = speech_bursts(audio)
    assert len(bursts) == 4, bursts
    assert timed.turns[0].text.startswith("The weather is lovely today.")
    assert timed.turns[2].text == "The weather is lovely today."
    for turn, (onset, _) in zip(timed.turns, bursts, strict=True):
        assert turn.status != TurnStatus.NOT_FOUND, turn.text
        assert turn.start == pytest.approx(onset, abs=0.3), turn.text
    first, again = timed.turns[0].words[:5], timed.turns[2].words
    for a, b in zip(first, again, strict=True):
        assert a.text == b.text
        assert b.start > timed.turns[1].end > a.end
    assert_words_timed_in_order(timed)

    # Progress went through every stage in order and finished at 1.
    stages = [stage for stage, _ in progress.events]
    assert sorted(set(stages), key=stages.index) == ["decoding", "recognising", "aligning"]
    fractions = [f for _, f in progress.events]
    assert fractions == sorted(fractions)
    assert 0.0 <= fractions[0] and fractions[-1] == 1.0


def test_realigning_an_edited_transcript_reuses_the_recognition(
    recognition_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    audio = FIXTURES / "dialogue.mp3"
    align_transcript(audio, read("dialogue.txt"), cache_dir=recognition_cache)

    def no_recognition(*args, **kwargs):
        raise AssertionError("the recogniser ran although the recognition is cached")

    monkeypatch.setattr(pipeline, "recognise", no_recognition)
    edited = (FIXTURES / "dialogue.txt").read_text().replace("Bob Okafor", "Robert Okafor")
    edited = edited.replace("for 10 years", "for ten years")
    progress = Progress()
    timed = align_transcript(
        audio,
        parse_transcript(edited.encode(), "dialogue.txt"),
        cache_dir=recognition_cache,
        progress=progress,
    )
    assert "decoding" not in {stage for stage, _ in progress.events}
    assert timed.turns[1].speaker == "Robert Okafor"
    assert all(t.status == TurnStatus.ALIGNED for t in timed.turns)
    assert timed.turns[1].words[-2].text == "ten" and timed.turns[1].words[-2].start is not None


def test_a_transcript_of_notes_only_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "recognise", None)
    transcript = parse_transcript(b"Host: [Music]\n\nHost: [Applause]\n", "notes.txt")
    with pytest.raises(AlignmentError, match="no spoken words"):
        align_transcript(FIXTURES / "dialogue.mp3", copy.deepcopy(transcript), cache_dir=tmp_path)
    assert not (tmp_path / "recognition").exists()


@pytest.fixture(scope="module")
def dialogue_samples(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    folder = tmp_path_factory.mktemp("dialogue")
    return decode_to_file(FIXTURES / "dialogue.mp3", folder / "audio.pcm").pcm


BOB = "Thanks for having me. I have been building cloud software for 10 years.".split()
UNRELATED = "My grandmother grew runner beans up bamboo canes along the fence.".split()


def test_forced_alignment_places_words_that_are_there(dialogue_samples: PcmFile) -> None:
    from podalign.aligner.forced import force_align
    from podalign.aligner.models import load_model

    onset = speech_bursts(FIXTURES / "dialogue.mp3")[1][0]
    placed = force_align(load_model("tiny.en"), dialogue_samples, 6.8, 12.3, BOB)
    assert placed is not None and len(placed) == len(BOB)
    starts = [w.start for w in placed]
    assert starts == sorted(starts)
    assert all(6.8 <= w.start <= w.end <= 12.3 for w in placed)
    assert placed[0].start == pytest.approx(onset, abs=0.5)
    assert placed[1].start == pytest.approx(onset + 0.45, abs=0.3)  # "for", after "Thanks"
    assert float(np.mean([w.probability for w in placed])) > 0.6


def test_forced_alignment_doubts_words_that_are_not_there(dialogue_samples: PcmFile) -> None:
    from podalign.aligner.forced import force_align
    from podalign.aligner.models import load_model

    placed = force_align(load_model("tiny.en"), dialogue_samples, 6.8, 12.3, UNRELATED)
    assert placed is not None and len(placed) == len(UNRELATED)
    assert float(np.mean([w.probability for w in placed])) < 0.2
    assert force_align(load_model("tiny.en"), dialogue_samples, 5.0, 5.05, BOB) is None
    assert force_align(load_model("tiny.en"), dialogue_samples, 6.8, 12.3, []) is None


def second_listen(pcm: PcmFile):
    from podalign.aligner.cache import SecondListens
    from podalign.aligner.models import load_model
    from podalign.aligner.rescue import Rescuer

    memo = SecondListens(Path(tempfile.mkdtemp()) / "second.json.gz")
    return Rescuer(lambda: load_model("tiny.en"), lambda: pcm, None, memo)


def test_a_second_listen_finds_the_words_of_a_turn(dialogue_samples: PcmFile) -> None:
    from podalign.aligner.timing import Span

    (found,) = second_listen(dialogue_samples)([Span(6.8, 12.3, BOB)])
    assert all(m.is_matched for m in found)
    starts = [m.start for m in found]
    assert starts == sorted(starts) and 6.7 <= starts[0] and found[-1].end <= 12.4


def test_a_short_window_is_encoded_short_and_hears_what_thirty_seconds_hear(
    dialogue_samples: PcmFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from podalign.aligner import recognise as recognition
    from podalign.aligner import whisper_api
    from podalign.aligner.models import load_model
    from podalign.aligner.windows import Window

    shapes: list[tuple[int, ...]] = []
    encode = whisper_api.encode
    monkeypatch.setattr(
        whisper_api,
        "encode",
        lambda model, batch: shapes.append(batch.shape) or encode(model, batch),
    )
    window = [Window(6.8, 12.3)]
    fitted = recognition._context_frames(5.5)
    short = recognition.recognise(load_model("tiny.en"), dialogue_samples, window)
    monkeypatch.setattr(recognition, "SETTINGS", replace(SETTINGS, short_window_seconds=0.0))
    padded = recognition.recognise(load_model("tiny.en"), dialogue_samples, window)

    assert fitted is not None and [shape[-1] for shape in shapes] == [fitted, 3000]
    assert [w.text for w in short] == [w.text for w in padded]
    said = [(a, b) for a, b in zip(short, padded, strict=True) if a.text.isalnum()]
    assert len(said) == 13 and all(abs(a.start - b.start) < 0.1 for a, b in said)


THANKS = "Right, thank you very much for that.".split()


def test_a_second_listen_finds_no_words_in_silence(dialogue_samples: PcmFile) -> None:
    from podalign.aligner.timing import Span

    # dialogue.mp3 is digital silence until 1.2 s.
    (silent,) = second_listen(dialogue_samples)([Span(0.0, 1.1, THANKS)])
    assert [m.start for m in silent if m.is_matched] == []


def test_a_cut_turn_in_a_long_pause_is_not_found(
    dialogue_samples: PcmFile, tmp_path: Path, recognition_cache: Path
) -> None:
    # dialogue.mp3 with 2 s more silence between its first and second turns.
    split = 6.6
    audio = tmp_path / "longer_pause.wav"
    with wave.open(str(audio), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(dialogue_samples.span(0, split).tobytes())
        out.writeframes(np.zeros(2 * 16000, dtype=np.int16).tobytes())
        out.writeframes(dialogue_samples.span(split, dialogue_samples.duration).tobytes())
    text = (FIXTURES / "dialogue.txt").read_text(encoding="utf-8")
    second = text.index("Bob Okafor:")
    text = f"{text[:second]}Alice Moreno: {' '.join(THANKS)}\n\n{text[second:]}"
    timed = align_transcript(
        audio, parse_transcript(text.encode(), "dialogue.txt"), cache_dir=recognition_cache
    )
    first, cut, bob, last = timed.turns
    assert cut.text == " ".join(THANKS)
    assert (first.status, bob.status, last.status) == (TurnStatus.ALIGNED,) * 3
    onsets = [start for start, _ in speech_bursts(audio)]
    assert bob.start == pytest.approx(onsets[1], abs=ONSET_TOLERANCE)
    assert cut.status == TurnStatus.NOT_FOUND
    assert cut.start is None and all(w.start is None for w in cut.words)
