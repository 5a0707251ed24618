"""aligner.recognise: which stretches are listened to again, and how a second listen's words
take the place of the first's. Speech is told from silence by the real Silero model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from podalign.aligner import recognise
from podalign.aligner.recognise import (
    RecognisedWord,
    _batches,
    _context_frames,
    _heard_again,
    _to_hear_again,
)
from podalign.aligner.settings import SETTINGS
from podalign.aligner.windows import Window
from podalign.audio import SAMPLE_RATE, PcmFile, decode_to_file

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def pcm(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    """dialogue.mp3 (speech at 1.2-6.1, 7.2-11.9 and 13.0-17.1 s), then 6 s of silence."""
    folder = tmp_path_factory.mktemp("recognise")
    speech = decode_to_file(FIXTURES / "dialogue.mp3", folder / "dialogue.pcm").pcm
    path = folder / "then-silence.pcm"
    path.write_bytes(speech.path.read_bytes() + np.zeros(6 * SAMPLE_RATE, "<i2").tobytes())
    return PcmFile(path)


def word(text: str, start: float, end: float) -> RecognisedWord:
    return RecognisedWord(text, start, end, 0.9)


def test_speech_jumped_over_mid_window_is_heard_again_to_the_window_end(pcm) -> None:
    window = Window(0.0, 24.0)
    heard = [word("Welcome", 1.2, 1.5), word("to", 1.5, 1.6), word("years", 11.5, 11.9)]
    assert _to_hear_again(pcm, window, heard) == [Window(1.5, 24.0)]


def test_a_word_stretched_over_speech_is_a_jump_from_where_it_could_have_ended(pcm) -> None:
    heard = [word("Welcome", 1.2, 1.5), word("to", 1.6, 11.4), word("years", 11.5, 11.9)]
    assert _to_hear_again(pcm, Window(0.0, 24.0), heard) == [Window(2.9, 24.0)]


def test_a_long_silence_between_words_is_not_a_jump(pcm) -> None:
    window = Window(16.0, 24.6)
    heard = [word("edge", 16.6, 17.0), word(".", 17.0, 17.0), word("Bye", 23.8, 24.1)]
    assert _to_hear_again(pcm, window, heard) == []


def test_without_a_jump_only_a_tail_of_speech_is_heard_again(pcm) -> None:
    heard = [word("Welcome", 1.2, 1.5), word("show", 2.6, 2.9)]
    assert _to_hear_again(pcm, Window(0.0, 12.0), heard) == [Window(2.8, 12.0)]
    assert _to_hear_again(pcm, Window(17.5, 24.6), [word("Bye", 17.6, 17.9)]) == []


@pytest.fixture(scope="module")
def late_speech(tmp_path_factory: pytest.TempPathFactory) -> PcmFile:
    """20 s of silence (a jingle, as far as Silero is concerned), then dialogue.mp3: speech
    from 21.2 s on."""
    folder = tmp_path_factory.mktemp("late")
    speech = decode_to_file(FIXTURES / "dialogue.mp3", folder / "dialogue.pcm").pcm
    path = folder / "late.pcm"
    path.write_bytes(np.zeros(20 * SAMPLE_RATE, "<i2").tobytes() + speech.path.read_bytes())
    return PcmFile(path)


def test_a_stretch_after_stacked_words_is_heard_again_though_mostly_not_speech(
    late_speech,
) -> None:
    # Whisper lost its place: it heard the opening words at the window start, on one
    # moment, and nothing in the 5 s of speech at the window's end.
    stacked = [word("Welcome", 0.5, 0.5), word("to", 0.5, 0.5), word("the", 0.5, 0.5)]
    window = Window(0.0, 26.5)
    assert _to_hear_again(late_speech, window, stacked) == [Window(0.4, 26.5)]
    paced = [word("Welcome", 0.5, 0.9), word("to", 0.9, 1.1), word("the", 1.1, 1.3)]
    assert _to_hear_again(late_speech, window, paced) == []


def test_a_second_listen_drops_the_first_listens_misplaced_copies() -> None:
    first = [word("So", 0.2, 0.4), word("Hello", 1.0, 1.6), word("everyone", 1.6, 4.4)]
    first += [word(text, 4.4, 4.4) for text in ("and", "welcome", "to", "the", "show", ".")]
    again = [word("Hello", 21.2, 21.6), word("everyone", 21.6, 22.1), word("and", 22.2, 22.3)]
    again += [word("welcome", 22.3, 22.7), word("to", 22.7, 22.8), word("a", 22.8, 22.9)]
    again += [word("show", 22.9, 23.3), word("My", 24.0, 24.2)]
    kept = _heard_again(first, Window(4.3, 26.5), again)
    assert [w.text for w in kept] == ["So", *(w.text for w in again)]


def test_a_word_or_two_heard_on_both_sides_of_a_second_listen_are_one_each() -> None:
    first = [word("going", 1.0, 1.3), word("to", 1.3, 1.4), word("the", 1.4, 1.5)]
    again = [word("to", 5.0, 5.1), word("the", 5.1, 5.2), word("store", 5.2, 5.6)]
    again += [word("on", 5.6, 5.7), word("Monday", 5.7, 6.1)]
    assert _heard_again(first, Window(1.4, 24.0), again) == first + again


def test_a_second_listen_replaces_the_first_over_what_it_heard() -> None:
    first = [word("Welcome", 1.2, 1.5), word("Which", 6.0, 6.0), word("would", 6.0, 6.0)]
    first += [word("be", 11.0, 11.2), word("later", 20.0, 20.3)]
    again = [word("Thanks", 7.2, 7.5), word("Which", 10.6, 10.8), word("would", 10.8, 11.0)]
    again += [word("be", 11.0, 11.2)]
    kept = _heard_again(first, Window(1.4, 24.0), again)
    assert sorted((w.text, w.start) for w in kept) == [
        ("Thanks", 7.2),
        ("Welcome", 1.2),
        ("Which", 10.6),
        ("be", 11.0),
        ("later", 20.0),
        ("would", 10.8),
    ]
    assert _heard_again(first, Window(1.4, 24.0), []) == first
    # A first-listen word stretched into the re-heard stretch ends where it begins.
    stretched = [word("to", 1.0, 9.0), *first[1:]]
    assert _heard_again(stretched, Window(1.4, 24.0), again)[0] == word("to", 1.0, 1.5)


def test_a_short_window_is_heard_alone_with_padding_and_a_long_one_in_thirty_seconds() -> None:
    padding, step = SETTINGS.short_window_padding_seconds, SETTINGS.short_window_step_seconds
    contexts = {_context_frames(seconds / 10) for seconds in range(5, 100)}
    # A few lengths only: each new one costs CTranslate2 memory it keeps.
    assert len(contexts) <= 1 + SETTINGS.short_window_seconds // step
    for seconds in (0.5, 4.0, 4.005, 9.9):
        frames = _context_frames(seconds)
        assert frames is not None and frames % round(step * 100) == 0
        assert (seconds + padding) * 100 <= frames < (seconds + padding + step) * 100
    assert _context_frames(SETTINGS.short_window_seconds) is None
    assert _context_frames(29.5) is None


@pytest.mark.whisper
def test_windows_decoded_together_hear_what_each_hears_alone(pcm) -> None:
    """The decoder takes windows in batches (cheaper per window); greedy decoding of a
    batch must give each window the words, times and probabilities it gets alone."""
    from podalign.aligner.models import load_model
    from podalign.aligner.recognise import _recognise_batch
    from podalign.aligner.whisper_api import make_tokenizer, suppressed_tokens

    model = load_model()
    tokenizer = make_tokenizer(model, None)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    suppress = suppressed_tokens(tokenizer)
    windows = [Window(0.0, 12.0), Window(6.5, 23.0), Window(12.5, 23.0)]

    together = _recognise_batch(model, tokenizer, prompt, suppress, pcm, windows)
    alone = [_recognise_batch(model, tokenizer, prompt, suppress, pcm, [w])[0] for w in windows]

    assert together == alone
    assert all(together)


def test_windows_are_batched_in_order_with_others_of_their_context(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(recognise, "SETTINGS", replace(SETTINGS, batch_size=3))
    full = [Window(t, t + 30.0) for t in range(0, 600, 100)]
    second_listens = [Window(t, t + 6.0) for t in (650.0, 700.0)]
    windows = [*full[:2], *second_listens, *full[2:]]

    batches = _batches(windows)

    assert [w for batch in batches for w in batch] == windows
    assert [len(batch) for batch in batches] == [2, 2, 3, 1]
    assert all(len({_context_frames(w.end - w.start) for w in batch}) == 1 for batch in batches)
