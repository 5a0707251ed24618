"""Reading uploaded transcripts: every input format, encodings and hostile files."""

from __future__ import annotations

import codecs
import json
import random
import time
from pathlib import Path

import pytest
from podalign.transcripts import (
    Transcript,
    TranscriptError,
    Turn,
    parse_transcript,
    write_transcript,
)

REPO = Path(__file__).resolve().parents[1]
CASES = REPO.parent / "shared" / "bench" / "cases"
FIXTURES = REPO / "tests" / "fixtures"
OURS = FIXTURES / "transcripts"


def parse(text: str, filename: str | None = None):
    return parse_transcript(text.encode("utf-8"), filename)


def speakers_and_texts(transcript) -> list[tuple[str | None, str]]:
    return [(t.speaker, t.text) for t in transcript.turns]


# --- the benchmark cases ---------------------------------------------------------------


def _case_dirs() -> list[Path]:
    if not CASES.is_dir():
        return []
    return sorted(p for p in CASES.iterdir() if (p / "truth.json").is_file())


@pytest.mark.skipif(not _case_dirs(), reason=f"benchmark cases not found at {CASES}")
@pytest.mark.parametrize("case", _case_dirs(), ids=lambda p: p.name)
def test_bench_case_gives_exactly_the_true_turns(case: Path) -> None:
    transcript = parse_transcript((case / "transcript.txt").read_bytes(), "transcript.txt")
    truth = json.loads((case / "truth.json").read_text(encoding="utf-8"))["turns"]

    assert transcript.source_format == "ai-page"
    assert len(transcript.turns) == len(truth)
    for turn, expected in zip(transcript.turns, truth, strict=True):
        assert turn.speaker == expected["speaker"]
        assert len(turn.words) == len(expected["words"])
        assert [w.text for w in turn.words] == [w["text"] for w in expected["words"]]
    assert [t.index for t in transcript.turns] == list(range(len(truth)))


@pytest.mark.skipif(not _case_dirs(), reason=f"benchmark cases not found at {CASES}")
def test_bench_page_title_and_chrome_are_not_turns() -> None:
    transcript = parse_transcript((_case_dirs()[0] / "transcript.txt").read_bytes())
    assert transcript.title and transcript.title.startswith("#0")
    texts = " ".join(t.text for t in transcript.turns)
    for chrome in (
        "Listen to the Podcast",
        "Key Takeaways",
        "About the Guest",
        "Kubernetes for Humans.",
    ):
        assert chrome not in texts


# --- AI-transcript pages ----------------------------------------------------------------


def test_fixture_title_with_colon_is_not_a_turn() -> None:
    transcript = parse_transcript((FIXTURES / "dialogue.txt").read_bytes(), "dialogue.txt")
    assert transcript.title == "Episode 7: The Edge"
    assert [t.speaker for t in transcript.turns] == ["Alice Moreno", "Bob Okafor", "Alice Moreno"]
    assert transcript.turns[1].text.startswith("Thanks for having me.")


def test_fixture_with_bracketed_note_turn() -> None:
    transcript = parse_transcript((FIXTURES / "music_intro_cut_turn.txt").read_bytes())
    assert len(transcript.turns) == 3
    laughter = transcript.turns[1].words[0]
    assert laughter.text == "[laughter]" and not laughter.spoken


PAGE = """Episode 7: The Edge

Listen to the Podcast

Episode Overview

In this episode we discuss:

  • Origin stories: how it all began
  • Why edges matter

Key Takeaways

1
Edges are closer to users: latency drops.

Alice Moreno: Welcome to the show. [laughter]

Bob Okafor:\u00a0Thanks for having me.
I have been building cloud software for 10 years.

Alice Moreno:\tGreat. [inaudible speech here] Let us start.

Bob Okafor:   Sure.

[Music] Kubernetes for Humans.

This is an AI generated transcript of the conversation

About the Guest

Bob Okafor
CTO of Edge Things
"""


def test_page_chrome_title_bullets_takeaways_and_guest_bio_are_skipped() -> None:
    transcript = parse(PAGE)
    assert transcript.source_format == "ai-page"
    assert transcript.title == "Episode 7: The Edge"
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Welcome to the show. [laughter]"),
        (
            "Bob Okafor",
            "Thanks for having me. I have been building cloud software for 10 years.",
        ),
        ("Alice Moreno", "Great. [inaudible speech here] Let us start."),
        ("Bob Okafor", "Sure."),
    ]


def test_page_bracketed_notes_stay_as_unspoken_tokens() -> None:
    turns = parse(PAGE).turns
    assert [(w.text, w.spoken) for w in turns[0].words[-2:]] == [
        ("show.", True),
        ("[laughter]", False),
    ]
    note = [w for w in turns[2].words if not w.spoken]
    assert [w.text for w in note] == ["[inaudible", "speech", "here]"]


def test_title_with_colon_rejected_even_without_other_chrome() -> None:
    text = "Kubernetes Deep Dive: The Edge\n\nAlice: Hi there.\n\nBob: Hello.\n\nAlice: Bye now."
    transcript = parse(text)
    assert [t.speaker for t in transcript.turns] == ["Alice", "Bob", "Alice"]
    assert transcript.title == "Kubernetes Deep Dive: The Edge"


def test_numbered_title_rejected_when_speakers_have_no_numbers() -> None:
    text = "Season 2 Show 7: Edges\n\nAlice: Hi there.\nBob: Hello you.\nAlice: Bye now."
    assert [t.speaker for t in parse(text).turns] == ["Alice", "Bob", "Alice"]


def test_heading_ending_in_colon_and_name_alone_are_not_turns() -> None:
    text = (
        "Guests:\n\nAlice Moreno\n\nIn this episode we discuss:\n\n"
        "Alice Moreno: First.\n\nBob Okafor: Second.\n\nAlice Moreno: Third."
    )
    assert speakers_and_texts(parse(text)) == [
        ("Alice Moreno", "First."),
        ("Bob Okafor", "Second."),
        ("Alice Moreno", "Third."),
    ]


def test_one_off_speaker_inside_and_next_to_the_conversation_is_kept() -> None:
    text = (
        "Alice: One.\n\nCarol Diaz: A guest speaks once.\n\nAlice: Two.\n\nBob: Three.\n\n"
        "Alice: Four.\n\nDave: Thanks for having us!\n\nBob: Bye."
    )
    assert [t.speaker for t in parse(text).turns] == [
        "Alice",
        "Carol Diaz",
        "Alice",
        "Bob",
        "Alice",
        "Dave",
        "Bob",
    ]


def test_one_off_label_in_chrome_after_the_conversation_is_not_a_turn() -> None:
    text = (
        "Alice: One.\n\nBob: Two.\n\nAlice: Three.\n\nBob: Four.\n\nAbout us\n\nProducer: Jane Doe"
    )
    assert [t.speaker for t in parse(text).turns] == ["Alice", "Bob", "Alice", "Bob"]


def test_label_like_sentence_inside_a_turn_does_not_split_it() -> None:
    text = (
        "Alice Moreno: Here is the thing.\nRemember: it matters.\n\n"
        "Bob Okafor: Right.\n\nAlice Moreno: Yes."
    )
    turns = parse(text).turns
    assert len(turns) == 3
    assert turns[0].text == "Here is the thing. Remember: it matters."


def test_turns_on_consecutive_lines_without_blank_lines() -> None:
    text = "Alice: Hi.\nBob: Hello.\nAlice: How are you?\nBob: Fine."
    assert [t.speaker for t in parse(text).turns] == ["Alice", "Bob", "Alice", "Bob"]


def test_single_speaker_monologue() -> None:
    transcript = parse("Dr. Jane O'Neil-Smith: Today I will talk about edges.")
    assert speakers_and_texts(transcript) == [
        ("Dr. Jane O'Neil-Smith", "Today I will talk about edges.")
    ]


def test_two_one_off_candidates_are_both_turns() -> None:
    transcript = parse("Alice: Hello there.\n\nSome chrome here.\n\nBob: Hi.")
    assert [t.speaker for t in transcript.turns] == ["Alice", "Bob"]


def test_names_with_accents_apostrophes_and_emoji() -> None:
    text = (
        "José Núñez: ¡Hola!\n\nZoë 🎧 D'Arcy: Salut. 🎉\n\n"
        "José Núñez: Ça va?\n\nZoë 🎧 D'Arcy: Oui."
    )
    turns = parse(text).turns
    assert [t.speaker for t in turns] == ["José Núñez", "Zoë 🎧 D'Arcy"] * 2
    assert turns[1].text == "Salut. 🎉"


def test_script_tags_are_kept_as_text_not_names() -> None:
    text = "<script>alert(1)</script>: hi\n\nAlice: <script>alert(1)</script> hello\n\nAlice: bye."
    turns = parse(text).turns
    assert [t.speaker for t in turns] == ["Alice", "Alice"]
    assert turns[0].text == "<script>alert(1)</script> hello"


def test_speaker_labels_are_whitespace_normalised() -> None:
    text = "Alice   Moreno: One.\n\nAlice Moreno: Two."
    assert [t.speaker for t in parse(text).turns] == ["Alice Moreno", "Alice Moreno"]


def test_times_and_urls_are_not_labels() -> None:
    transcript = parse("We met at 10:30 today.\n\nSee https://example.com for more.")
    assert transcript.source_format == "plain"
    assert len(transcript.turns) == 2


# --- plain text -------------------------------------------------------------------------


def test_plain_paragraphs_become_turns_without_speakers() -> None:
    transcript = parse("First paragraph\nstill first.\n\n\nSecond one.\n")
    assert transcript.source_format == "plain"
    assert speakers_and_texts(transcript) == [
        (None, "First paragraph still first."),
        (None, "Second one."),
    ]
    assert transcript.speakers == []


# --- SRT and WebVTT ---------------------------------------------------------------------


def test_srt_with_broken_numbering_merges_cues_per_speaker() -> None:
    transcript = parse_transcript((OURS / "broken_numbering.srt").read_bytes(), "x.srt")
    assert transcript.source_format == "srt"
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Welcome to the show. Today we talk about the edge. It is a big topic."),
        ("Bob Okafor", "Thanks for having me. I have been building cloud software."),
        ("Alice Moreno", "Great & welcome."),
    ]
    assert all(t.start is None and t.end is None for t in transcript.turns)


def test_srt_cue_without_a_label_continues_the_last_speaker() -> None:
    text = (
        "1\n00:00:01,000 --> 00:00:02,000\nAnn: Hello\n\n"
        "2\n00:00:02,000 --> 00:00:03,000\n<i>there</i> <3\n\n"
        "3\n00:00:03,000 --> 00:00:04,000\nBen: Hi\n"
    )
    assert speakers_and_texts(parse(text)) == [("Ann", "Hello there <3"), ("Ben", "Hi")]


def test_srt_without_speakers_gives_a_turn_per_cue() -> None:
    text = "1\n00:00:01,000 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:03,000\nworld\n"
    transcript = parse(text)
    assert speakers_and_texts(transcript) == [(None, "Hello"), (None, "world")]
    assert all(t.start is None and t.end is None for t in transcript.turns)


def test_vtt_voices_tags_entities_and_header_title() -> None:
    transcript = parse_transcript((OURS / "voices.vtt").read_bytes(), "voices.vtt")
    assert transcript.source_format == "vtt"
    assert transcript.title == "Episode 7: The Edge"
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Welcome to the show. Today we talk & argue about the edge."),
        ("Bob Okafor", "Thanks for having me. I build <cloud> software."),
        # Where every named cue has a voice span, a cue without one is nobody known.
        (None, "[Music]"),
    ]
    assert transcript.turns[2].words[0].spoken is False


def test_vtt_without_header_is_read_when_named_vtt() -> None:
    text = "00:01.000 --> 00:02.000\n<v Ann>Hi.\n\n00:02.000 --> 00:03.000\n<v Ben>Yo.\n"
    transcript = parse(text, "captions.vtt")
    assert transcript.source_format == "vtt"
    assert [t.speaker for t in transcript.turns] == ["Ann", "Ben"]
    assert parse(text, "captions.srt").source_format == "srt"


def test_vtt_speaker_with_markup_and_emoji() -> None:
    text = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v &lt;script&gt; 🎙️>x &lt;script&gt;\n\n"
        "00:00:02.000 --> 00:00:03.000\n<v Zoë>y\n"
    )
    assert speakers_and_texts(parse(text)) == [("<script> 🎙️", "x <script>"), ("Zoë", "y")]


def test_subtitles_without_cues_are_rejected() -> None:
    with pytest.raises(TranscriptError, match="No"):
        parse("WEBVTT\n\nNOTE nothing here\n")


# --- Podcasting 2.0 JSON ----------------------------------------------------------------


def test_podcast_json_merges_consecutive_segments_and_keeps_no_times() -> None:
    transcript = parse_transcript((OURS / "segments.json").read_bytes(), "t.json")
    assert transcript.source_format == "podcast-json"
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Welcome to the show."),
        ("Bob Okafor", "Thanks for having me."),
        ("Alice Moreno", "Great."),
    ]
    assert transcript.turns[0].start is None


def test_podcast_json_word_segments_without_speakers_join_into_sentences() -> None:
    words = "Hello there. How are you ? Fine".split()
    segments = [{"startTime": i, "endTime": i + 0.5, "body": w} for i, w in enumerate(words)]
    transcript = parse(json.dumps({"version": "1.0.0", "segments": segments}))
    assert [t.text for t in transcript.turns] == ["Hello there.", "How are you ?", "Fine"]


def test_podcast_json_tolerates_odd_values() -> None:
    data = {
        "segments": [
            {"speaker": "<script>", "startTime": "1.5", "endTime": None, "body": "a  b"},
            {"speaker": 7, "startTime": True, "body": "c"},
            "junk",
            {"speaker": "", "startTime": float("nan"), "body": ""},
        ]
    }
    transcript = parse(json.dumps(data))
    assert speakers_and_texts(transcript) == [("<script>", "a b"), (None, "c")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"version": "1.0.0", "segments": [', "cannot be read"),
        ('{"version": "1.0.0"}', "segments"),
        ('{"segments": [{"body": "  "}]}', "No speaker turns"),
        ("[1, 2]", "segments"),
    ],
)
def test_bad_json_is_rejected_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(TranscriptError, match=message):
        parse(text, "t.json")


def test_json_nested_too_deeply_is_rejected_with_a_reason() -> None:
    with pytest.raises(TranscriptError, match="nested too deeply"):
        parse_transcript(b"[" * 100_000)


def test_text_starting_with_a_bracket_is_not_mistaken_for_json() -> None:
    transcript = parse("[Music]\n\nAlice: Hi.\n\nAlice: Bye.")
    assert transcript.source_format == "ai-page"


# --- timestamped text -------------------------------------------------------------------


def test_timestamped_line_forms() -> None:
    text = (
        "[00:00:03] Alice Moreno: Hello.\n"
        "Bob Okafor (00:00:10): Hi there.\n"
        "00:12:03 Alice Moreno: Later.\n"
        "(12:30) Bob Okafor: Bye.\n"
        "[--:--:--] Alice Moreno: Untimed.\n"
        "[13:00] No speaker here.\n"
    )
    transcript = parse(text)
    assert transcript.source_format == "timestamped"
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Hello."),
        ("Bob Okafor", "Hi there."),
        ("Alice Moreno", "Later."),
        ("Bob Okafor", "Bye."),
        ("Alice Moreno", "Untimed."),
        (None, "No speaker here."),
    ]
    assert all(t.start is None for t in transcript.turns)


def test_rev_style_text_on_the_next_line() -> None:
    transcript = parse_transcript((OURS / "rev_style.txt").read_bytes())
    assert transcript.source_format == "timestamped"
    assert speakers_and_texts(transcript) == [
        ("Speaker 1", "Welcome back to the show, everyone."),
        ("Speaker 2", "Thanks. Glad to be here. It has been a while."),
        ("Speaker 1", "Let us wrap up."),
    ]
    assert transcript.title == "Episode 12 Transcript"


def test_otter_style_name_then_stamp() -> None:
    text = "Alice Moreno  0:03\nHello there.\n\nBob Okafor  0:09\nHi.\n"
    assert speakers_and_texts(parse(text)) == [
        ("Alice Moreno", "Hello there."),
        ("Bob Okafor", "Hi."),
    ]


def test_page_with_a_clock_time_in_its_chrome_is_still_a_page() -> None:
    text = (
        "Episode #53 31:08 2026-02-11\n\n(12:03) recorded live\n\n"
        "Alice: Hi.\n\nBob: Yo.\n\nAlice: Bye."
    )
    assert parse(text).source_format == "ai-page"


# --- encodings and line ends ------------------------------------------------------------

DIALOGUE = "Zoë Núñez: Café’s open — come in.\n\nBob: Merci.\n\nZoë Núñez: Bye."


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + DIALOGUE.encode("utf-8"),
        codecs.BOM_UTF16_LE + DIALOGUE.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + DIALOGUE.encode("utf-16-be"),
        DIALOGUE.encode("utf-16-le"),
        DIALOGUE.encode("utf-16-be"),
        DIALOGUE.encode("utf-8").replace(b"\n", b"\r\n"),
        DIALOGUE.encode("utf-8").replace(b"\n", b"\r"),
        DIALOGUE.encode("cp1252"),
    ],
    ids=["utf8-bom", "utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "crlf", "cr", "cp1252"],
)
def test_encodings_and_line_ends(data: bytes) -> None:
    transcript = parse_transcript(data)
    assert speakers_and_texts(transcript) == [
        ("Zoë Núñez", "Café’s open — come in."),
        ("Bob", "Merci."),
        ("Zoë Núñez", "Bye."),
    ]


def test_cp1252_crlf_fixture_with_no_break_space() -> None:
    transcript = parse_transcript((OURS / "cp1252_crlf.txt").read_bytes())
    assert speakers_and_texts(transcript) == [
        ("Alice Moreno", "Caf’s open at 9 – come early."),
        ("Bob Okafor", "Naïve question: why?"),
        ("Alice Moreno", "Because."),
    ]


def test_srt_in_utf16_with_crlf() -> None:
    text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nAnn: Hé.\r\n"
    transcript = parse_transcript(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert speakers_and_texts(transcript) == [("Ann", "Hé.")]


# --- hostile input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "data", [b"", b"   \n\t\r\n", "\ufeff".encode()], ids=["empty", "blank", "bom"]
)
def test_empty_files_are_rejected(data: bytes) -> None:
    with pytest.raises(TranscriptError, match="empty"):
        parse_transcript(data)


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"PK\x03\x04" + random.Random(1).randbytes(4000),
        random.Random(2).randbytes(4000).replace(b"\x00", b"\x01"),
        b"Alice: hello\x00 there",
        codecs.BOM_UTF8 + b"Alice: hi\x00\x00\x00",
    ],
    ids=["png", "zip", "random-no-nul", "nul-in-text", "nul-after-bom"],
)
def test_binary_files_are_rejected(data: bytes) -> None:
    with pytest.raises(TranscriptError, match="binary|not valid|neither"):
        parse_transcript(data)


def test_error_is_a_value_error_with_a_message_for_people() -> None:
    with pytest.raises(ValueError) as info:
        parse_transcript(b"\x00\x01\x02\x03")
    assert "transcript" in str(info.value)


def test_ten_megabytes_of_page_text_parse_in_seconds() -> None:
    block = PAGE.encode("utf-8")
    copies = 10_000_000 // len(block) + 1
    started = time.perf_counter()
    transcript = parse_transcript(block * copies)
    elapsed = time.perf_counter() - started
    assert len(transcript.turns) == 4 * copies
    assert elapsed < 15, f"10 MB took {elapsed:.1f} s"


def test_ten_megabytes_of_plain_text_parse_in_seconds() -> None:
    data = b"Just some words here and there, no labels at all.\n\n" * 200_000
    started = time.perf_counter()
    transcript = parse_transcript(data)
    elapsed = time.perf_counter() - started
    assert transcript.source_format == "plain"
    assert elapsed < 15, f"10 MB took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "line",
    [
        "a" * 100_000,
        "A" * 40 + ":" + " x" * 50_000,
        "Alice:" + "\u00a0" * 100_000,
        "[" + "00:" * 33_000,
        "<" * 100_000,
        "Al (" * 25_000,
        "1" + ":1" * 50_000,
        "--> " * 25_000,
    ],
    ids=["letters", "label", "nbsp", "stamps", "angles", "parens", "colons", "arrows"],
)
def test_a_single_100k_character_line_parses_quickly(line: str) -> None:
    started = time.perf_counter()
    try:
        parse(line)
    except TranscriptError:
        pass
    assert time.perf_counter() - started < 2


def test_turn_words_are_always_the_text_split_on_whitespace() -> None:
    for transcript in (
        parse(PAGE),
        parse_transcript((OURS / "voices.vtt").read_bytes()),
        parse_transcript((OURS / "rev_style.txt").read_bytes()),
    ):
        for turn in transcript.turns:
            assert [w.text for w in turn.words] == turn.text.split()


def test_podalign_json_reads_back_every_turn_as_it_was_written() -> None:
    original = Transcript(
        [Turn(0, "Ann", "Hi there."), Turn(1, "Ann", "Again [laughs] me."), Turn(2, None, "Hm.")],
        title="Ep",
    )
    transcript = parse_transcript(write_transcript(original, "json").encode(), "edited.json")
    assert transcript.source_format == "podalign-json" and transcript.title == "Ep"
    assert [(t.speaker, t.text) for t in transcript.turns] == [
        ("Ann", "Hi there."),
        ("Ann", "Again [laughs] me."),
        (None, "Hm."),
    ]
    assert all(w.start is None for t in transcript.turns for w in t.words)
