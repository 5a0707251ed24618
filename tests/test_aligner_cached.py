"""A realignment with a warm cache decodes nothing and runs no Whisper window."""

from __future__ import annotations

from pathlib import Path

import pytest
from podalign.aligner import align_transcript
from podalign.aligner.acoustic import AcousticPool
from podalign.transcripts import parse_transcript

pytestmark = [pytest.mark.slow, pytest.mark.whisper]

FIXTURES = Path(__file__).parent / "fixtures"


def test_an_edited_transcript_is_realigned_from_the_cache_alone(tmp_path: Path, counts) -> None:
    text = (FIXTURES / "music_intro_cut_turn.txt").read_text(encoding="utf-8")
    first = align_transcript(
        FIXTURES / "music_intro.ogg", parse_transcript(text.encode()), cache_dir=tmp_path
    )
    assert counts["decodes"] == 1 and counts["windows"] >= 1
    recognised = counts["windows"]

    renamed = parse_transcript(text.replace("Bob Okafor", "Robert Okafor").encode())
    again = align_transcript(FIXTURES / "music_intro.ogg", renamed, cache_dir=tmp_path)
    assert [t.speaker for t in again.turns][2] == "Robert Okafor"
    assert [(t.start, t.end) for t in again.turns] == [(t.start, t.end) for t in first.turns]
    assert counts == {"decodes": 1, "windows": recognised}


def test_a_new_word_costs_a_listen_to_its_span_only(tmp_path: Path, counts) -> None:
    text = (FIXTURES / "music_intro_cut_turn.txt").read_text(encoding="utf-8")
    align_transcript(
        FIXTURES / "music_intro.ogg", parse_transcript(text.encode()), cache_dir=tmp_path
    )
    recognised = counts["windows"]

    edited = parse_transcript(text.replace("Welcome", "Well, welcome", 1).encode())
    realigned = align_transcript(FIXTURES / "music_intro.ogg", edited, cache_dir=tmp_path)
    assert realigned.turns[0].words[0].text == "Well,"
    # Its samples are read from the stored decode; one second listen, one forced alignment.
    assert counts["decodes"] == 1
    assert counts["windows"] - recognised <= 2


def test_a_realignment_asks_the_acoustic_aligner_nothing_it_answered_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (FIXTURES / "music_intro_cut_turn.txt").read_text(encoding="utf-8")
    asked: list[int] = []
    align = AcousticPool.align

    def counting(self: AcousticPool, pcm, stretches):  # type: ignore[no-untyped-def]
        asked.append(len(stretches))
        return align(self, pcm, stretches)

    monkeypatch.setattr(AcousticPool, "align", counting)
    first = align_transcript(
        FIXTURES / "music_intro.ogg", parse_transcript(text.encode()), cache_dir=tmp_path
    )
    assert sum(asked) >= 2
    asked.clear()
    renamed = parse_transcript(text.replace("Bob Okafor", "Robert Okafor").encode())
    again = align_transcript(FIXTURES / "music_intro.ogg", renamed, cache_dir=tmp_path)
    assert asked == []
    assert [[(w.start, w.end) for w in t.words] for t in again.turns] == [
        [(w.start, w.end) for w in t.words] for t in first.turns
    ]
