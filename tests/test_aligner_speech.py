"""aligner.speech: Silero VAD's share of speech in a stretch, with the context before it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from podalign.aligner.speech import SpeechMap, speech_share
from podalign.audio import PcmFile, decode_to_file

DIALOGUE = Path(__file__).parent / "fixtures" / "dialogue.mp3"


@pytest.fixture(scope="module")
def pcm(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    """dialogue.mp3: speech at 1.2-6.1, 7.2-11.9 and 13.0-17.1 s."""
    return decode_to_file(DIALOGUE, tmp_path_factory.mktemp("speech") / "dialogue.pcm").pcm


def test_real_speech_and_a_pause_are_told_apart(pcm: PcmFile) -> None:
    assert speech_share(pcm, 2.0, 5.0) > 0.8
    assert speech_share(pcm, 6.3, 7.0) < 0.2


def test_the_largest_share_over_the_contexts_counts(pcm: PcmFile) -> None:
    """Silero's verdict on a short sound swings with the audio heard before it: the
    stretch is speech if it is so after any of the contexts asked for."""
    asked: list[float] = []

    def maps(_: PcmFile, start: float, end: float) -> SpeechMap:
        asked.append(start)
        chunks = int(round((end - start) / 0.032))
        # With 3 s of context the stretch asked about (its last 0.64 s) is speech.
        return SpeechMap(
            start, np.arange(chunks) >= chunks - 20 if start < 8.0 else np.zeros(chunks, bool)
        )

    one_context = speech_share(pcm, 10.0, 10.32, maps, (1.0,))
    both = speech_share(pcm, 10.0, 10.32, maps, (1.0, 3.0))

    assert one_context == 0.0
    assert both == pytest.approx(1.0)
    assert asked == [9.0, 9.0, 7.0]
