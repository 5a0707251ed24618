"""`podalign align AUDIO TRANSCRIPT -o OUT` as a user runs it: a separate process each time."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
import srt
import webvtt
from podalign.audio import decode_to_file

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = FIXTURES / "dialogue.mp3"
DIALOGUE_TEXT = FIXTURES / "dialogue.txt"
TURN_LINE = re.compile(r"^([A-Z][a-z]+ [A-Z][a-z]+):\s(.+)$")
ERROR_LINE = re.compile(r"^podalign: error: \S.*$")

GARDENING = """\
Rosa Lindqvist: Spring is the best season for planting tomatoes, as long as the soil has \
warmed up and the last frost has passed.

Tom Hughes: I always add compost to my raised beds before sowing carrots and radishes, and I \
water them early in the morning.

Rosa Lindqvist: Pruning roses in late winter encourages strong new growth, and mulching keeps \
the weeds away through the summer.

Tom Hughes: My grandmother grew runner beans up bamboo canes along the fence, and the bees \
loved the bright red flowers.
"""


def podalign_align(*args: str | Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "podalign.cli", "align", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def assert_one_line_error(proc: subprocess.CompletedProcess) -> str:
    """The run failed with one `podalign: error: ...` line as the last line and no traceback."""
    assert proc.returncode != 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in re.split(r"[\r\n]+", proc.stderr) if line.strip()]
    errors = [line for line in lines if "podalign: error" in line]
    assert len(errors) == 1, proc.stderr
    assert ERROR_LINE.match(lines[-1]), proc.stderr
    return lines[-1].removeprefix("podalign: error: ")


def transcript_turns(path: Path) -> list[tuple[str, list[str]]]:
    """(speaker, whitespace tokens) of each `Name: text` paragraph, read without podalign."""
    turns = []
    for line in path.read_text(encoding="utf-8").splitlines():
        match = TURN_LINE.match(line)
        if match:
            turns.append((match.group(1), match.group(2).split()))
    return turns


def onsets(audio: Path, level_db: float = -50.0, gap: float = 0.5) -> list[float]:
    """Where each burst of sound starts, pauses shorter than ``gap`` bridged."""
    with tempfile.TemporaryDirectory() as folder:
        envelope = decode_to_file(audio, Path(folder) / "audio.pcm").envelope
    loud = np.flatnonzero(envelope.db > level_db) * envelope.frame_seconds
    starts = [float(loud[0])]
    starts += [float(b) for a, b in zip(loud, loud[1:], strict=False) if b - a > gap]
    return starts


def stages_in(stderr: str) -> list[str]:
    seen = re.findall(r"\b(decoding|recognising|aligning)\b", stderr)
    return sorted(set(seen), key=seen.index)


def silent_wav(path: Path, seconds: float = 3.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(np.zeros(int(seconds * 16000), dtype=np.int16).tobytes())
    return path


# --- success ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.whisper
def test_json_output_keeps_the_benchmark_contract_and_shows_progress(tmp_path: Path) -> None:
    out = tmp_path / "dialogue.json"
    proc = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert stages_in(proc.stderr) == ["decoding", "recognising", "aligning"]
    assert "100%" in proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == f"3 of 3 turns aligned; wrote {out}"

    document = json.loads(out.read_text(encoding="utf-8"))
    expected = transcript_turns(DIALOGUE_TEXT)
    assert len(document["turns"]) == len(expected) == 3
    for turn, (speaker, tokens), onset in zip(
        document["turns"], expected, onsets(DIALOGUE), strict=True
    ):
        assert turn["speaker"] == speaker
        assert turn["status"] == "aligned"
        assert isinstance(turn["start"], float) and isinstance(turn["end"], float)
        assert turn["start"] == pytest.approx(onset, abs=0.25)
        assert [w["text"] for w in turn["words"]] == tokens
        for word in turn["words"]:
            assert set(word) >= {"text", "start", "end"}
            assert turn["start"] <= word["start"] <= word["end"] <= turn["end"]
    assert not list(tmp_path.glob(".*.part"))


@pytest.mark.slow
@pytest.mark.whisper
def test_a_second_run_with_an_edited_transcript_skips_recognition(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", tmp_path / "a.json", "--cache-dir", cache)
    assert first.returncode == 0, first.stderr
    assert "decoding" in stages_in(first.stderr)
    edited = tmp_path / "edited.txt"
    edited.write_text(DIALOGUE_TEXT.read_text().replace("Kubernetes and Helm", "Kubernetes, Helm"))
    second = podalign_align(DIALOGUE, edited, "-o", tmp_path / "b.json", "--cache-dir", cache)
    assert second.returncode == 0, second.stderr
    # Read back from the cache: no decoding, and recognition jumps straight to done.
    assert "decoding" not in second.stderr
    document = json.loads((tmp_path / "b.json").read_text())
    assert document["turns"][2]["words"][-2]["text"] == "Kubernetes,"
    assert all(t["status"] == "aligned" for t in document["turns"])


@pytest.mark.slow
@pytest.mark.whisper
def test_srt_output(tmp_path: Path, recognition_cache: Path) -> None:
    out = tmp_path / "dialogue.srt"
    proc = podalign_align(
        DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", recognition_cache, "-q"
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    subtitles = list(srt.parse(out.read_text(encoding="utf-8")))
    assert len(subtitles) >= 3
    starts = [s.start.total_seconds() for s in subtitles]
    assert starts == sorted(starts)
    assert starts[0] == pytest.approx(onsets(DIALOGUE)[0], abs=0.25)
    assert all(s.end > s.start for s in subtitles)
    text = " ".join(s.content for s in subtitles).split()
    for _, tokens in transcript_turns(DIALOGUE_TEXT):
        assert all(token in text for token in tokens)
    assert subtitles[0].content.startswith("Alice Moreno: Welcome")


@pytest.mark.slow
@pytest.mark.whisper
def test_vtt_output(tmp_path: Path, recognition_cache: Path) -> None:
    out = tmp_path / "dialogue.vtt"
    proc = podalign_align(
        DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", recognition_cache, "-q"
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    captions = webvtt.from_string(out.read_text(encoding="utf-8")).captions
    assert len(captions) >= 3
    voices = [c.voice for c in captions]
    assert voices[0] == "Alice Moreno" and "Bob Okafor" in voices
    h, m, s = captions[0].start.split(":")
    assert int(h) * 3600 + int(m) * 60 + float(s) == pytest.approx(onsets(DIALOGUE)[0], abs=0.25)
    assert captions[0].text.startswith("Welcome to the show.")


@pytest.mark.slow
@pytest.mark.whisper
def test_txt_output(tmp_path: Path, recognition_cache: Path) -> None:
    out = tmp_path / "dialogue.txt"
    proc = podalign_align(
        DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", recognition_cache, "-q"
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    expected = transcript_turns(DIALOGUE_TEXT)
    assert len(lines) == len(expected)
    for line, (speaker, tokens), onset in zip(lines, expected, onsets(DIALOGUE), strict=True):
        stamp = re.match(r"^\[(\d\d):(\d\d):(\d\d)\] (.*)$", line)
        assert stamp, line
        h, m, s = (int(stamp.group(i)) for i in (1, 2, 3))
        assert 0 <= onset - (h * 3600 + m * 60 + s) < 1.3, line
        assert stamp.group(4) == f"{speaker}: {' '.join(tokens)}"


@pytest.mark.slow
@pytest.mark.whisper
def test_podcast_json_output(tmp_path: Path, recognition_cache: Path) -> None:
    out = tmp_path / "transcript.json"
    proc = podalign_align(
        DIALOGUE,
        DIALOGUE_TEXT,
        "-o",
        out,
        "--format",
        "podcast-json",
        "--cache-dir",
        recognition_cache,
        "--quiet",
    )
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert document["version"] == "1.0.0"
    segments = document["segments"]
    assert len(segments) >= 3
    assert segments[0]["speaker"] == "Alice Moreno"
    assert segments[0]["startTime"] == pytest.approx(onsets(DIALOGUE)[0], abs=0.25)
    assert all(s["endTime"] > s["startTime"] for s in segments)
    assert " ".join(s["body"] for s in segments).startswith("Welcome to the show.")
    assert "turns" not in document


@pytest.mark.slow
@pytest.mark.whisper
def test_format_flag_and_cache_dir_from_the_environment(tmp_path: Path) -> None:
    out = tmp_path / "subtitles.out"
    env = {"PODALIGN_CACHE_DIR": str(tmp_path / "env-cache")}
    proc = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", out, "--format", "srt", "-q", env=env)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert len(list(srt.parse(out.read_text(encoding="utf-8")))) >= 3
    entries = list((tmp_path / "env-cache" / "podalign" / "recognition").glob("*.json.gz"))
    assert len(entries) == 1


@pytest.mark.slow
@pytest.mark.whisper
def test_music_intro_with_a_cut_turn(tmp_path: Path, recognition_cache: Path) -> None:
    audio = FIXTURES / "music_intro.ogg"
    text = FIXTURES / "music_intro_cut_turn.txt"
    out = tmp_path / "music.json"
    proc = podalign_align(audio, text, "-o", out, "--cache-dir", recognition_cache)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.rstrip().splitlines()[-1] == f"2 of 3 turns aligned; wrote {out}"
    turns = json.loads(out.read_text())["turns"]
    expected = transcript_turns(text)
    assert [t["speaker"] for t in turns] == [speaker for speaker, _ in expected]
    assert [[w["text"] for w in t["words"]] for t in turns] == [tokens for _, tokens in expected]
    _, first_onset, last_onset = onsets(audio)
    first, cut, last = turns
    assert first["start"] >= 3.5
    assert first["start"] == pytest.approx(first_onset, abs=0.3)
    assert cut["start"] is None and cut["end"] is None and cut["status"] == "not_found"
    assert all(w["start"] is None and w["end"] is None for w in cut["words"])
    assert last["status"] == "aligned" and last["start"] > first["end"]
    assert last["start"] == pytest.approx(last_onset, abs=0.3)


@pytest.mark.slow
@pytest.mark.whisper
def test_a_trace_says_what_each_stage_decided_for_each_turn(
    tmp_path: Path, recognition_cache: Path
) -> None:
    text = FIXTURES / "music_intro_cut_turn.txt"
    out, trace_file = tmp_path / "music.json", tmp_path / "trace.json"
    proc = podalign_align(
        FIXTURES / "music_intro.ogg",
        text,
        "-o",
        out,
        "--trace",
        trace_file,
        "--cache-dir",
        recognition_cache,
    )
    assert proc.returncode == 0, proc.stderr
    turns, traced = json.loads(out.read_text())["turns"], json.loads(trace_file.read_text())
    assert [t["index"] for t in traced["turns"]] == [0, 1, 2]
    for turn, trace in zip(turns, traced["turns"], strict=True):
        assert (trace["start"], trace["end"], trace["status"]) == (
            turn["start"],
            turn["end"],
            turn["status"],
        )
        results = [step for step in trace["steps"] if "result" in step]
        # The last stage that changed the turn left it as it was written.
        assert results[-1]["result"]["start"] == turn["start"]
        decisions = [(s["stage"], s["decision"]) for s in trace["steps"] if "decision" in s]
        assert decisions[0][0] in ("matching", "second listen")
        assert ("matching", turn["status"]) in decisions
    cut = traced["turns"][1]
    judged = next(s for s in cut["steps"] if s.get("decision") == "not_found")
    assert "matched what Whisper heard" in judged["why"]
    assert not [s for s in cut["steps"] if s["stage"] == "acoustic"]
    assert [s for s in traced["turns"][2]["steps"] if s["stage"] == "acoustic"]


# --- errors -------------------------------------------------------------------------------


def test_missing_audio_file(tmp_path: Path) -> None:
    proc = podalign_align(tmp_path / "nothing.mp3", DIALOGUE_TEXT, "-o", tmp_path / "out.json")
    message = assert_one_line_error(proc)
    assert "nothing.mp3" in message
    assert not (tmp_path / "out.json").exists()


def test_missing_transcript_file(tmp_path: Path) -> None:
    proc = podalign_align(DIALOGUE, tmp_path / "nothing.txt", "-o", tmp_path / "out.json", "-q")
    assert "nothing.txt" in assert_one_line_error(proc)
    assert proc.stderr.count("\n") == 1


def test_a_text_file_as_audio(tmp_path: Path) -> None:
    proc = podalign_align(
        DIALOGUE_TEXT, DIALOGUE_TEXT, "-o", tmp_path / "out.json", "--cache-dir", tmp_path
    )
    message = assert_one_line_error(proc)
    assert message.startswith("dialogue.txt: not an audio file ffmpeg can decode")


def test_an_empty_transcript(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    proc = podalign_align(DIALOGUE, empty, "-o", tmp_path / "out.json", "-q")
    assert "empty" in assert_one_line_error(proc).lower()


def test_a_transcript_without_turns(tmp_path: Path) -> None:
    no_turns = tmp_path / "segments.json"
    no_turns.write_text('{"version": "1.0.0", "segments": []}')
    proc = podalign_align(DIALOGUE, no_turns, "-o", tmp_path / "out.json", "-q")
    assert "no speaker turns" in assert_one_line_error(proc).lower()


def test_a_transcript_of_notes_only(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("Host: [Music]\n\nHost: [Applause]\n")
    proc = podalign_align(DIALOGUE, notes, "-o", tmp_path / "out.json", "--cache-dir", tmp_path)
    assert "no spoken words" in assert_one_line_error(proc)


def test_silent_audio(tmp_path: Path) -> None:
    audio = silent_wav(tmp_path / "silence.wav")
    proc = podalign_align(
        audio, DIALOGUE_TEXT, "-o", tmp_path / "out.json", "--cache-dir", tmp_path
    )
    assert assert_one_line_error(proc) == "silence.wav: the audio is silent"
    assert not (tmp_path / "out.json").exists()


def test_an_unknown_output_extension(tmp_path: Path) -> None:
    proc = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", tmp_path / "out.docx", "-q")
    message = assert_one_line_error(proc)
    assert proc.returncode == 2, "a usage mistake is an argparse error"
    assert "usage: podalign" in proc.stderr
    assert "out.docx" in message and ".json" in message
    assert not (tmp_path / "out.docx").exists()


@pytest.mark.slow
@pytest.mark.whisper
def test_an_output_directory_that_does_not_exist(tmp_path: Path, recognition_cache: Path) -> None:
    out = tmp_path / "missing" / "out.json"
    proc = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", recognition_cache)
    assert "missing" in assert_one_line_error(proc)


@pytest.mark.slow
@pytest.mark.whisper
def test_a_transcript_of_other_audio_is_refused(tmp_path: Path, recognition_cache: Path) -> None:
    garden = tmp_path / "gardening.txt"
    garden.write_text(GARDENING)
    out = tmp_path / "out.json"
    proc = podalign_align(DIALOGUE, garden, "-o", out, "--cache-dir", recognition_cache)
    message = assert_one_line_error(proc)
    assert "belong" in message
    assert re.search(r"\b\d+ of 4 turns\b", message), message
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.whisper
def test_a_damaged_cache_entry_is_recognised_afresh(tmp_path: Path) -> None:
    from podalign.aligner.cache import RecognitionCache
    from podalign.aligner.models import model_id

    cache = RecognitionCache(tmp_path / "cache")
    key = cache.key(DIALOGUE, model_id("tiny.en"), None)
    cache.directory.mkdir(parents=True)
    # What a full disk or a crash of another writer can leave: a cut-off gzip stream.
    (cache.directory / f"{key}.json.gz").write_bytes(gzip.compress(b'{"words": []}' * 50)[:30])
    np.save(cache.directory / f"{key}.npy", np.zeros(10, dtype=np.float32))
    out = tmp_path / "out.json"
    proc = podalign_align(DIALOGUE, DIALOGUE_TEXT, "-o", out, "--cache-dir", tmp_path / "cache")
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(out.read_text())["turns"]) == 3


@pytest.mark.whisper
def test_a_language_the_model_does_not_know_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    proc = podalign_align(
        DIALOGUE,
        DIALOGUE_TEXT,
        "-o",
        out,
        "-q",
        "--language",
        "xx",
        "--cache-dir",
        tmp_path / "cache",
    )
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines() == [
        "podalign: error: the model 'tiny.en' does not know language 'xx' (en)"
    ]
    assert not out.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a glibc tunable")
def test_the_command_asks_glibc_for_huge_pages_once_and_keeps_other_tunables() -> None:
    from podalign.entry import huge_pages_environment

    fresh = huge_pages_environment({"PATH": "/bin"})
    assert fresh == {"PATH": "/bin", "GLIBC_TUNABLES": "glibc.malloc.hugetlb=1"}
    kept = huge_pages_environment({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"})
    assert kept == {"GLIBC_TUNABLES": "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"}
    # Already set, by the restart itself or by the user: no second restart.
    assert huge_pages_environment(fresh) is None
    assert huge_pages_environment({"GLIBC_TUNABLES": "glibc.malloc.hugetlb=0"}) is None
