"""aligner.windows.plan_windows on synthetic loudness envelopes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from podalign.aligner.settings import SETTINGS
from podalign.aligner.windows import Window, activity, plan_windows
from podalign.audio import Envelope

SILENCE = -80.0


def speech(seconds: float, seed: int = 0) -> np.ndarray:
    """Speech-like loudness: syllables of -30..-15 dB with brief -45 dB dips between them."""
    rng = np.random.default_rng(seed)
    frames = round(seconds * 100)
    db = rng.uniform(-30.0, -15.0, frames).astype(np.float32)
    db[::17] = -45.0
    return db


def silence(seconds: float, level: float = SILENCE) -> np.ndarray:
    return np.full(round(seconds * 100), level, dtype=np.float32)


def envelope(*parts: np.ndarray) -> Envelope:
    return Envelope(db=np.concatenate(parts))


def assert_well_formed(windows: list[Window], env: Envelope) -> None:
    total = len(env.db) * env.frame_seconds
    assert windows, "speech but no windows"
    for w in windows:
        assert 0.0 <= w.start < w.end <= total + 1e-9
        assert w.end - w.start <= SETTINGS.window_seconds + 1e-9
    for a, b in zip(windows, windows[1:], strict=False):
        assert a.end <= b.start + 1e-9, (a, b)


def uncovered_speech(windows: list[Window], env: Envelope) -> list[float]:
    """Seconds of frames counted as speech that no window holds."""
    seconds = np.flatnonzero(activity(env)) * env.frame_seconds
    return [
        float(s)
        for s in seconds
        if not any(w.start - 1e-9 <= s and s + env.frame_seconds <= w.end + 1e-9 for w in windows)
    ]


def test_short_audio_is_one_window_from_just_before_the_speech() -> None:
    env = envelope(silence(1.0), speech(10.0), silence(0.5))
    windows = plan_windows(env)
    assert len(windows) == 1
    assert windows[0].start == pytest.approx(0.8, abs=0.011)  # 0.2 s of lead-in
    assert windows[0].end == pytest.approx(11.5, abs=0.011)


def test_long_speech_is_cut_at_the_quietest_moment_near_the_limit() -> None:
    # A deep dip at 10 s is too early; the quiet spots at 27.5 s and 55.0 s are near each limit.
    env = envelope(
        speech(10.0, 1),
        silence(0.2, -90.0),
        speech(17.3, 2),  # 10.2 .. 27.5
        silence(0.2, -70.0),  # 27.5 .. 27.7
        speech(27.3, 3),  # 27.7 .. 55.0
        silence(0.2, -70.0),  # 55.0 .. 55.2
        speech(14.8, 4),  # 55.2 .. 70.0
    )
    windows = plan_windows(env)
    assert_well_formed(windows, env)
    assert len(windows) == 3
    assert 27.5 <= windows[0].end <= 27.7
    assert 55.0 <= windows[1].end <= 55.2
    assert windows[-1].end == pytest.approx(70.0)
    # Windows follow each other without a gap through continuous speech.
    assert windows[1].start == windows[0].end and windows[2].start == windows[1].end
    assert uncovered_speech(windows, env) == []


def test_a_long_silence_between_windows_is_skipped() -> None:
    env = envelope(speech(26.0, 5), silence(24.0), speech(10.0, 6))  # speech again at 50 s
    windows = plan_windows(env)
    assert_well_formed(windows, env)
    assert len(windows) == 2
    assert 26.0 <= windows[0].end <= 30.0
    assert windows[1].start == pytest.approx(49.8, abs=0.011)
    assert not any(w.start < 45.0 < w.end for w in windows)
    assert uncovered_speech(windows, env) == []


def test_a_short_pause_between_windows_is_not_skipped() -> None:
    env = envelope(speech(29.0, 7), silence(1.0), speech(20.0, 8))
    windows = plan_windows(env)
    assert_well_formed(windows, env)
    assert len(windows) == 2
    assert 29.0 <= windows[0].end <= 30.0
    assert windows[1].start == windows[0].end


def test_leading_silence_and_music_are_not_windowed_from_zero() -> None:
    env = envelope(silence(12.0), speech(8.0, 9))
    (window,) = plan_windows(env)
    assert window.start == pytest.approx(11.8, abs=0.011)


def test_a_smaller_window_limit_is_respected() -> None:
    env = envelope(speech(40.0, 10))
    windows = plan_windows(env, window_seconds=10.0)
    assert len(windows) >= 4
    assert all(w.end - w.start <= 10.0 + 1e-9 for w in windows)
    assert uncovered_speech(windows, env) == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.floats(min_value=0.1, max_value=40.0)),
        min_size=1,
        max_size=8,
    ),
    st.integers(min_value=0, max_value=1000),
)
def test_any_envelope_windows_are_short_ordered_and_cover_all_speech(parts, seed) -> None:
    if not any(is_speech for is_speech, _ in parts):
        parts = [*parts, (True, 3.0)]
    chunks = [
        speech(s, seed + i) if is_speech else silence(s) for i, (is_speech, s) in enumerate(parts)
    ]
    env = envelope(*chunks)
    windows = plan_windows(env)
    assert_well_formed(windows, env)
    assert uncovered_speech(windows, env) == []
