"""Writers: every output parses with a well-kept reader and says what the transcript says."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pysubs2
import pytest
import srt
import webvtt
from podalign.transcripts import (
    FORMATS,
    Transcript,
    Turn,
    TurnStatus,
    Word,
    is_bracketed_note,
    parse_transcript,
    untimed_turn_count,
    write_transcript,
)

REPO = Path(__file__).resolve().parents[1]
CASES = REPO.parent / "shared" / "bench" / "cases"


def timed_turn(index: int, speaker: str | None, text: str, start: float, step: float = 0.35):
    words = []
    t = start
    for token in text.split():
        if is_bracketed_note(token):
            words.append(Word(token, None, None, spoken=False))
            continue
        words.append(Word(token, round(t, 3), round(t + step - 0.05, 3)))
        t += step
    return Turn(
        index=index,
        speaker=speaker,
        text=text,
        start=words[0].start if words[0].start is not None else start,
        end=round(t - 0.05, 3),
        confidence=0.9,
        status=TurnStatus.ALIGNED,
        words=words,
    )


def sample() -> Transcript:
    """Three timed turns (one with markup and emoji in the name) and one turn not found."""
    return Transcript(
        turns=[
            timed_turn(
                0,
                "Zoë Núñez",
                "Welcome to the show. Today we talk about the edge, "
                "the cloud, and everything in between. [laughter]",
                1.0,
            ),
            timed_turn(
                1, "<script>alert('x')</script> 🎙️", "Thanks & <b>hello</b> --> there!", 14.0
            ),
            Turn(index=2, speaker="Zoë Núñez", text="This turn was cut from the audio."),
            timed_turn(3, None, "An unnamed voice closes the show.", 20.0),
        ],
        title="Episode 7: The Edge",
    )


def all_words(transcript: Transcript, timed_only: bool = True) -> list[str]:
    return [
        w.text for t in transcript.turns if not timed_only or t.start is not None for w in t.words
    ]


# --- dispatch ---------------------------------------------------------------------------


def test_formats_table() -> None:
    assert FORMATS == {
        "json": (".json", "application/json"),
        "srt": (".srt", "application/x-subrip"),
        "vtt": (".vtt", "text/vtt"),
        "txt": (".txt", "text/plain"),
        "podcast-json": (".json", "application/json"),
    }


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_writes_text(fmt: str) -> None:
    out = write_transcript(sample(), fmt)
    assert isinstance(out, str) and out.endswith("\n")


def test_unknown_format_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        write_transcript(sample(), "docx")


def test_untimed_turn_count() -> None:
    assert untimed_turn_count(sample()) == 1
    assert untimed_turn_count(Transcript([Turn(0, "A", "x")])) == 1


def test_empty_transcript_writes_valid_empty_files() -> None:
    empty = Transcript(turns=[])
    assert list(srt.parse(write_transcript(empty, "srt"))) == []
    assert len(webvtt.from_string(write_transcript(empty, "vtt")).captions) == 0
    assert json.loads(write_transcript(empty, "podcast-json"))["segments"] == []


# --- native JSON ------------------------------------------------------------------------


def test_native_json_has_the_documented_shape() -> None:
    data = json.loads(write_transcript(sample(), "json"))
    assert set(data) == {"title", "speakers", "turns"}
    assert data["title"] == "Episode 7: The Edge"
    assert data["speakers"] == ["Zoë Núñez", "<script>alert('x')</script> 🎙️"]
    turn = data["turns"][0]
    assert set(turn) == {
        "index",
        "speaker",
        "text",
        "start",
        "end",
        "confidence",
        "status",
        "words",
    }
    assert turn["status"] == "aligned" and turn["start"] == 1.0
    assert set(turn["words"][0]) == {"text", "start", "end"}
    assert [len(t["words"]) for t in data["turns"]] == [len(t.text.split()) for t in sample().turns]
    missing = data["turns"][2]
    assert (missing["start"], missing["end"], missing["status"]) == (None, None, "pending")
    assert data["turns"][3]["speaker"] == ""


def test_native_json_round_trips_through_from_dict() -> None:
    again = Transcript.from_dict(json.loads(write_transcript(sample(), "json")))
    assert again.to_dict() == sample().to_dict()


# --- SRT --------------------------------------------------------------------------------


def test_srt_parses_with_srt_and_pysubs2() -> None:
    out = write_transcript(sample(), "srt")
    subs = list(srt.parse(out))
    ssa = pysubs2.SSAFile.from_string(out, format_="srt")
    assert len(subs) == len(ssa) > 0
    assert [s.index for s in subs] == list(range(1, len(subs) + 1))
    for before, after in zip(subs, subs[1:], strict=False):
        assert before.end <= after.start


def test_srt_names_the_speaker_on_the_first_cue_of_each_turn() -> None:
    subs = list(srt.parse(write_transcript(sample(), "srt", max_line_chars=20)))
    starts = [s.content.split(":")[0] for s in subs if s.content.startswith(("Zoë", "<script>"))]
    assert starts == ["Zoë Núñez", "<script>alert('x')</script> 🎙️"]
    assert sum("Zoë Núñez:" in s.content for s in subs) == 1
    assert any(s.content.startswith("An unnamed voice") for s in subs)


def test_srt_holds_every_timed_word_once_in_order() -> None:
    transcript = sample()
    subs = list(srt.parse(write_transcript(transcript, "srt")))
    shown = " ".join(s.content for s in subs).split()
    for name in ("Zoë Núñez:", "<script>alert('x')</script> 🎙️:"):
        shown = " ".join(shown).replace(name, "", 1).split()
    assert shown == all_words(transcript)
    assert "This turn was cut" not in " ".join(shown)


def test_srt_respects_line_options() -> None:
    subs = list(srt.parse(write_transcript(sample(), "srt", max_line_chars=16, max_lines=1)))
    for sub in subs:
        lines = sub.content.split("\n")
        assert len(lines) == 1
        assert len(lines[0]) <= 16 or len(lines[0].split()) == 1 or lines[0].count(":") == 1


# --- WebVTT -----------------------------------------------------------------------------


def test_vtt_parses_with_webvtt_and_pysubs2() -> None:
    out = write_transcript(sample(), "vtt")
    assert out.startswith("WEBVTT\n\n")
    captions = webvtt.from_buffer(io.StringIO(out)).captions
    assert len(captions) == len(webvtt.from_string(out).captions) > 0
    assert len(pysubs2.SSAFile.from_string(out, format_="vtt")) == len(captions)
    for before, after in zip(captions, captions[1:], strict=False):
        assert before.end_time.in_milliseconds() <= after.start_time.in_milliseconds()


def test_vtt_voices_and_escaping() -> None:
    out = write_transcript(sample(), "vtt")
    assert "<script>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in out
    assert "Thanks &amp; &lt;b&gt;hello&lt;/b&gt; --&gt; there!" in out.replace("\n", " ")
    body = out.split("\n", 2)[2]
    assert all(
        "-->" not in line or " --> " in line and line[0].isdigit() for line in body.split("\n")
    )
    captions = webvtt.from_string(out).captions
    assert captions[0].voice == "Zoë Núñez"
    voices = {c.voice for c in captions}
    assert "&lt;script&gt;alert('x')&lt;/script&gt; 🎙️" in voices
    assert None in voices  # the unnamed speaker's cue has no voice span


def test_vtt_reads_back_to_the_same_turns() -> None:
    transcript = sample()
    again = parse_transcript(write_transcript(transcript, "vtt").encode("utf-8"))
    expected = [(t.speaker, t.text.split()) for t in transcript.turns if t.start is not None]
    # The unnamed last turn continues nobody: subtitles give it no voice.
    assert [(t.speaker, t.text.split()) for t in again.turns] == expected
    assert again.turns[0].start is None


def test_srt_reads_back_to_the_same_speakers_and_words() -> None:
    transcript = sample()
    # SRT cannot say "unknown speaker" after a named one, and players render its <b> tags.
    transcript.turns[1] = timed_turn(1, "Ōno 🎙️", "Thanks & hello --> there! <3", 14.0)
    transcript.turns[3].speaker = "Bob"
    again = parse_transcript(write_transcript(transcript, "srt").encode("utf-8"), "x.srt")
    expected = [(t.speaker, t.text.split()) for t in transcript.turns if t.start is not None]
    assert [(t.speaker, t.text.split()) for t in again.turns] == expected


# --- Podcasting 2.0 JSON ----------------------------------------------------------------


def test_podcast_json_segments_per_cue() -> None:
    data = json.loads(write_transcript(sample(), "podcast-json"))
    assert data["version"] == "1.0.0"
    segments = data["segments"]
    assert all(set(s) <= {"speaker", "startTime", "endTime", "body"} for s in segments)
    assert all(s["startTime"] < s["endTime"] for s in segments)
    assert " ".join(s["body"] for s in segments).split() == all_words(sample())
    assert segments[0]["speaker"] == "Zoë Núñez"
    assert "speaker" not in segments[-1]


def test_podcast_json_with_words_has_a_segment_per_word() -> None:
    data = json.loads(write_transcript(sample(), "podcast-json", include_words=True))
    segments = data["segments"]
    assert [s["body"] for s in segments] == all_words(sample())
    starts = [s["startTime"] for s in segments]
    assert starts == sorted(starts)
    assert all(s["startTime"] <= s["endTime"] for s in segments)


def test_podcast_json_reads_back() -> None:
    again = parse_transcript(write_transcript(sample(), "podcast-json").encode("utf-8"))
    assert again.source_format == "podcast-json"
    assert [t.speaker for t in again.turns] == [t.speaker for t in sample().turns if t.start]


# --- plain text -------------------------------------------------------------------------


def test_text_has_one_stamped_line_per_turn() -> None:
    lines = write_transcript(sample(), "txt").splitlines()
    assert lines == [
        "[00:00:01] Zoë Núñez: Welcome to the show. Today we talk about the edge, "
        "the cloud, and everything in between. [laughter]",
        "[00:00:14] <script>alert('x')</script> 🎙️: Thanks & <b>hello</b> --> there!",
        "[--:--:--] Zoë Núñez: This turn was cut from the audio.",
        "[00:00:20] An unnamed voice closes the show.",
    ]


def test_text_stamps_hours_and_reads_back_as_timestamped() -> None:
    transcript = Transcript([timed_turn(0, "Ann", "Late words.", 3723.9), Turn(1, "Bo", "x y")])
    out = write_transcript(transcript, "txt")
    assert out.startswith("[01:02:03] Ann: Late words.")
    again = parse_transcript(out.encode("utf-8"))
    assert again.source_format == "timestamped"
    assert [(t.speaker, t.text) for t in again.turns] == [("Ann", "Late words."), ("Bo", "x y")]


# --- a real episode ---------------------------------------------------------------------


@pytest.mark.skipif(not (CASES / "seed-full").is_dir(), reason=f"no benchmark at {CASES}")
def test_real_episode_with_true_times_makes_sound_subtitles() -> None:
    case = CASES / "seed-full"
    transcript = parse_transcript((case / "transcript.txt").read_bytes())
    truth = json.loads((case / "truth.json").read_text(encoding="utf-8"))["turns"]
    for turn, expected in zip(transcript.turns, truth, strict=True):
        turn.start, turn.end = expected["start"], expected["end"]
        for word, true_word in zip(turn.words, expected["words"], strict=True):
            word.start, word.end = true_word["start"], true_word["end"]

    subs = list(srt.parse(write_transcript(transcript, "srt")))
    for before, after in zip(subs, subs[1:], strict=False):
        assert before.end <= after.start
    for sub in subs:
        seconds = (sub.end - sub.start).total_seconds()
        assert 0 < seconds <= 7.0
        assert all(len(line) <= 42 for line in sub.content.split("\n"))
        assert len(sub.content.split("\n")) <= 2
    ends = [s.content.rstrip()[-1] for s in subs]
    assert sum(e in ".?!," for e in ends) > len(subs) / 3, "breaks should favour punctuation"
    captions = webvtt.from_string(write_transcript(transcript, "vtt")).captions
    assert {c.voice for c in captions} == {"Itiel Shwartz", "Matt Butcher", "Ari Weil"}
