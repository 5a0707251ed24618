"""audio: probing, decoding, loudness, peaks, browser-playable copies and locating ffmpeg."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
import pytest
from podalign.audio import (
    SAMPLE_RATE,
    AudioError,
    DecodedStore,
    Envelope,
    LevelMeter,
    decode_and_make_playable,
    decode_to_file,
    measure_audio,
    peaks_per_point,
    probe_audio,
    to_float32,
)
from podalign.audio.ffmpeg import ffmpeg_exe, ffprobe_exe

FIXTURES = Path(__file__).parent / "fixtures"


def decode_pcm16(path: Path, expected_seconds: float | None = None, progress=None) -> np.ndarray:
    """All samples of ``path`` through the streaming decode, read back from its file."""
    pcm_path = Path(tempfile.mkdtemp()) / "audio.pcm"
    pcm = decode_to_file(path, pcm_path, expected_seconds=expected_seconds, progress=progress).pcm
    samples = pcm.span(0, pcm.duration)
    shutil.rmtree(pcm_path.parent)
    return samples


def loudness_envelope(samples: np.ndarray) -> Envelope:
    meter = LevelMeter()
    meter.feed(samples)
    return meter.envelope()


def compute_peaks(path: Path, points_per_second: int = 20) -> list[float]:
    pcm_path = Path(tempfile.mkdtemp()) / "audio.pcm"
    peaks = decode_to_file(path, pcm_path).peaks
    shutil.rmtree(pcm_path.parent)
    return peaks_per_point(peaks, points_per_second)


def write_wav(
    path: Path,
    channels: list[np.ndarray],
    rate: int = 44100,
    sample_width: int = 2,
) -> Path:
    """Float channels in [-1, 1] as a PCM WAV (16- or 24-bit)."""
    scale = 2 ** (8 * sample_width - 1) - 1
    frames = np.stack([np.round(c * scale).astype(np.int32) for c in channels], axis=1)
    little = frames.astype("<i4").tobytes()
    if sample_width == 2:
        data = frames.astype("<i2").tobytes()
    else:  # keep the low three bytes of each little-endian int32
        data = np.frombuffer(little, dtype=np.uint8).reshape(-1, 4)[:, :3].tobytes()
    with wave.open(str(path), "wb") as out:
        out.setnchannels(len(channels))
        out.setsampwidth(sample_width)
        out.setframerate(rate)
        out.writeframes(data)
    return path


def tone(seconds: float, rate: int, amplitude: float = 0.5, hz: float = 440.0) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return amplitude * np.sin(2 * np.pi * hz * t)


@pytest.fixture
def stereo_wav(tmp_path: Path) -> Path:
    """2.0 s of a 440 Hz tone at half scale in both channels, 44.1 kHz, 16-bit."""
    wave_ = tone(2.0, 44100)
    return write_wav(tmp_path / "stereo.wav", [wave_, wave_])


# --- probe_audio --------------------------------------------------------------------------


def test_probe_an_mp3() -> None:
    info = probe_audio(FIXTURES / "dialogue.mp3")
    assert (info.codec, info.format_name) == ("mp3", "mp3")
    assert info.channels == 1 and info.sample_rate == 22050
    assert info.duration == pytest.approx(18.6, abs=0.1)


def test_probe_an_ogg_opus() -> None:
    info = probe_audio(FIXTURES / "music_intro.ogg")
    assert (info.codec, info.format_name) == ("opus", "ogg")
    assert info.channels == 1 and info.sample_rate == 48000
    assert info.duration == pytest.approx(16.0, abs=0.1)


def test_probe_a_stereo_wav(stereo_wav: Path) -> None:
    info = probe_audio(stereo_wav)
    assert (info.codec, info.format_name) == ("pcm_s16le", "wav")
    assert (info.channels, info.sample_rate) == (2, 44100)
    assert info.duration == pytest.approx(2.0, abs=0.01)


def test_probe_goes_by_content_not_by_name(stereo_wav: Path, tmp_path: Path) -> None:
    misnamed = tmp_path / "episode.mp3"
    shutil.copyfile(stereo_wav, misnamed)
    assert probe_audio(misnamed).codec == "pcm_s16le"


def test_probe_a_text_file_says_it_is_not_audio() -> None:
    with pytest.raises(AudioError) as caught:
        probe_audio(FIXTURES / "dialogue.txt")
    message = str(caught.value)
    assert message.startswith("dialogue.txt: not an audio file ffmpeg can decode")
    assert str(FIXTURES) not in message
    assert isinstance(caught.value, ValueError)


def test_probe_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    with pytest.raises(AudioError, match=r"^empty\.mp3: "):
        probe_audio(empty)


def test_measuring_a_wav_without_samples(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "nothing.wav", [np.zeros(0)])
    with pytest.raises(AudioError, match=r"^nothing\.wav: the audio stream holds no samples"):
        measure_audio(path)


def test_probe_random_bytes(tmp_path: Path) -> None:
    noise = tmp_path / "noise.ogg"
    noise.write_bytes(np.random.default_rng(1).bytes(20_000))
    with pytest.raises(AudioError, match=r"^noise\.ogg: not an audio file"):
        probe_audio(noise)


def test_probe_a_missing_file_or_a_directory(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"^missing\.mp3: no such file$"):
        probe_audio(tmp_path / "missing.mp3")
    with pytest.raises(AudioError, match="no such file"):
        probe_audio(tmp_path)


# --- decode_pcm16 -------------------------------------------------------------------------


def test_decode_a_stereo_44k_wav_to_16k_mono_int16(stereo_wav: Path) -> None:
    samples = decode_pcm16(stereo_wav)
    assert samples.dtype == np.int16 and samples.ndim == 1
    assert len(samples) == pytest.approx(2 * SAMPLE_RATE, abs=16)
    # Both channels carry the same half-scale tone, so the mono mix is that tone.
    rms = float(np.sqrt(np.mean(to_float32(samples[1000:-1000]) ** 2)))
    assert rms == pytest.approx(0.5 / np.sqrt(2), rel=0.03)


def test_decode_mixes_channels_down(tmp_path: Path) -> None:
    left = tone(1.0, 44100)
    path = write_wav(tmp_path / "opposed.wav", [left, -left])
    samples = decode_pcm16(path)
    assert np.abs(samples).max() < 200  # the two channels cancel out


def test_decode_the_fixtures_to_their_measured_length() -> None:
    for name in ("dialogue.mp3", "music_intro.ogg"):
        info = measure_audio(FIXTURES / name)
        samples = decode_pcm16(FIXTURES / name, info.duration)
        assert len(samples) / SAMPLE_RATE == pytest.approx(info.duration, abs=0.06), name


def test_decode_a_long_file_exactly(tmp_path: Path) -> None:
    # 40 s is many pipe reads; the samples come back as they went in.
    path = write_wav(tmp_path / "long.wav", [tone(40.0, 16000, 0.3)], rate=16000)
    samples = decode_pcm16(path, expected_seconds=0.1)
    assert len(samples) == 40 * SAMPLE_RATE
    expected = np.round(tone(40.0, 16000, 0.3) * 32767).astype(np.int16)
    assert np.abs(samples.astype(np.int32) - expected).max() <= 1


def test_decode_reports_progress_up_to_one(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "long.wav", [tone(40.0, 16000, 0.3)], rate=16000)
    seen: list[float] = []
    decode_pcm16(path, 40.0, seen.append)
    assert seen, "no progress reported"
    assert seen == sorted(seen)
    assert 0.0 < seen[0] and seen[-1] == pytest.approx(1.0, abs=0.01)


def test_decode_a_text_file_raises_audio_error() -> None:
    with pytest.raises(AudioError, match=r"^dialogue\.txt: ffmpeg could not decode it"):
        decode_pcm16(FIXTURES / "dialogue.txt")


# --- loudness_envelope --------------------------------------------------------------------


def test_envelope_levels_of_a_tone_and_of_silence() -> None:
    half_scale = np.round(tone(1.0, SAMPLE_RATE, 0.5) * 32767).astype(np.int16)
    samples = np.concatenate([np.zeros(SAMPLE_RATE, np.int16), half_scale, np.zeros(80, np.int16)])
    env = loudness_envelope(samples)
    assert isinstance(env, Envelope)
    assert len(env.db) == len(samples) // 160 == 200
    assert env.frame_seconds == 0.01
    assert np.all(env.db[:100] == pytest.approx(-100.0))
    # A sine at amplitude 0.5 has RMS 0.354: -9.03 dB.
    assert np.all(np.abs(env.db[100:] - -9.03) < 0.1)


def test_envelope_fed_in_odd_chunks_gives_the_same_levels() -> None:
    rng = np.random.default_rng(3)
    samples = (rng.normal(0, 3000, 3 * SAMPLE_RATE) * np.linspace(0, 1, 3 * SAMPLE_RATE)).astype(
        np.int16
    )
    whole = loudness_envelope(samples).db
    meter = LevelMeter()
    for first in range(0, len(samples), 1001):
        meter.feed(samples[first : first + 1001])
    np.testing.assert_allclose(meter.envelope().db, whole, atol=1e-4)
    assert len(meter.peaks()) == len(whole)


def test_envelope_of_the_dialogue_fixture_shows_its_leading_silence() -> None:
    env = loudness_envelope(decode_pcm16(FIXTURES / "dialogue.mp3"))
    assert env.db[: env.frame_at(1.1)].max() < -60
    assert env.db[env.frame_at(1.2) : env.frame_at(1.5)].max() > -30


def test_envelope_frame_helpers() -> None:
    env = Envelope(db=np.array([-80, -80, -20, -20, -20, -80], dtype=np.float32))
    assert env.frame_at(0.02) == 2 and env.seconds_of(2) == 0.02
    assert env.frame_at(-1.0) == 0 and env.frame_at(99.0) == 5


# --- compute_peaks ------------------------------------------------------------------------


def test_peaks_are_normalised_to_one_with_one_per_twentieth_of_a_second(tmp_path: Path) -> None:
    loud_then_soft = np.concatenate([tone(1.0, 44100, 0.8), tone(1.0, 44100, 0.16)])
    path = write_wav(tmp_path / "steps.wav", [loud_then_soft])
    peaks = compute_peaks(path)
    assert len(peaks) == 40
    assert max(peaks) == 1.0 and min(peaks) >= 0.0
    assert all(p > 0.95 for p in peaks[1:19])
    assert all(p == pytest.approx(0.2, abs=0.03) for p in peaks[21:39])


def test_peaks_at_another_density(stereo_wav: Path) -> None:
    assert len(compute_peaks(stereo_wav, points_per_second=10)) == 20
    assert len(compute_peaks(stereo_wav, points_per_second=50)) == 100


def test_peaks_of_silence_are_zero(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "silence.wav", [np.zeros(44100)])
    assert compute_peaks(path) == [0.0] * 20


def test_peaks_of_the_fixture() -> None:
    peaks = compute_peaks(FIXTURES / "dialogue.mp3")
    assert len(peaks) == pytest.approx(18.6 * 20, abs=2)
    assert max(peaks) == 1.0
    assert max(peaks[:20]) < 0.01  # the second of silence before the first word


# --- decode_and_make_playable -------------------------------------------------------------


def make_browser_playable(src: Path, dst_dir: Path) -> Path | None:
    store = DecodedStore(Path(tempfile.mkdtemp()))
    try:
        decoded, made = decode_and_make_playable(store, src, dst_dir)
        assert decoded.pcm.duration > 0
    finally:
        shutil.rmtree(store.directory.parent)
    return made


def test_a_stored_decode_still_gets_its_playable_copy(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "studio.wav", [tone(2.0, 44100)] * 2, sample_width=3)
    store = DecodedStore(tmp_path / "cache")
    store.get(source)
    out = tmp_path / "out"
    out.mkdir()
    decoded, made = decode_and_make_playable(store, source, out)
    assert made == out / "playable.mp3" and probe_audio(made).codec == "mp3"
    assert decoded.pcm.duration == pytest.approx(2.0, abs=0.01)


@pytest.mark.parametrize("name", ["dialogue.mp3", "music_intro.ogg"])
def test_playable_formats_are_left_as_they_are(name: str, tmp_path: Path) -> None:
    assert make_browser_playable(FIXTURES / name, tmp_path) is None
    assert list(tmp_path.iterdir()) == []


def test_a_16_bit_wav_is_left_as_it_is(stereo_wav: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert make_browser_playable(stereo_wav, out) is None


def test_a_24_bit_wav_gets_an_mp3_copy(tmp_path: Path) -> None:
    source = write_wav(tmp_path / "studio.wav", [tone(2.0, 44100)] * 2, sample_width=3)
    assert probe_audio(source).codec == "pcm_s24le"
    out = tmp_path / "out"
    out.mkdir()
    made = make_browser_playable(source, out)
    assert made == out / "playable.mp3"
    info = probe_audio(made)
    assert (info.codec, info.format_name) == ("mp3", "mp3")
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert sorted(p.name for p in out.iterdir()) == ["playable.mp3"]


def test_an_aiff_gets_an_mp3_copy(stereo_wav: Path, tmp_path: Path) -> None:
    aiff = tmp_path / "take.aiff"
    subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-i", str(stereo_wav), str(aiff)],
        check=True,
    )
    assert (probe_audio(aiff).codec, probe_audio(aiff).format_name) not in {("mp3", "mp3")}
    out = tmp_path / "out"
    out.mkdir()
    made = make_browser_playable(aiff, out)
    assert made is not None and probe_audio(made).codec == "mp3"


def test_playable_copy_of_a_non_audio_file_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError):
        make_browser_playable(FIXTURES / "dialogue.txt", tmp_path)
    assert list(tmp_path.iterdir()) == []


# --- ffmpeg_exe ---------------------------------------------------------------------------


@pytest.fixture
def fresh_ffmpeg_lookup():
    """ffmpeg_exe looks again during the test, and again for the tests after it."""
    ffmpeg_exe.cache_clear()
    ffprobe_exe.cache_clear()
    yield
    ffmpeg_exe.cache_clear()
    ffprobe_exe.cache_clear()


def test_ffmpeg_on_path_is_used(fresh_ffmpeg_lookup) -> None:
    on_path = shutil.which("ffmpeg")
    if on_path is None:
        pytest.skip("no ffmpeg on PATH here")
    assert ffmpeg_exe() == on_path


def test_ffmpeg_falls_back_to_imageio_ffmpeg(
    fresh_ffmpeg_lookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imageio_ffmpeg

    monkeypatch.setattr(shutil, "which", lambda *args, **kwargs: None)
    found = ffmpeg_exe()
    assert found == imageio_ffmpeg.get_ffmpeg_exe()
    assert Path(found).is_file()
    # The bundled binary does the work as well as the system one; it has no ffprobe, so
    # the format is unknown (and the player gets an MP3 copy) and the length is decoded.
    info = probe_audio(FIXTURES / "dialogue.mp3")
    assert info.codec == "unknown" and info.duration == pytest.approx(18.6, abs=0.1)
    assert len(decode_pcm16(FIXTURES / "dialogue.mp3", info.duration)) > 18 * SAMPLE_RATE
    monkeypatch.undo()


@pytest.mark.parametrize(
    ("name", "encode"),
    [
        ("episode.m4a", ["-c:a", "aac", "-b:a", "64k"]),
        ("episode.flac", ["-ac", "2", "-ar", "48000", "-c:a", "flac"]),
        ("episode.mkv", ["-c:a", "libopus", "-b:a", "32k"]),
        (
            "episode.mp4",
            [
                "-f",
                "lavfi",
                "-i",
                "color=c=blue:s=64x48:d=19",
                "-shortest",
                "-c:v",
                "mpeg4",
                "-c:a",
                "aac",
            ],
        ),
    ],
)
def test_decode_other_containers_and_video(tmp_path: Path, name: str, encode: list[str]) -> None:
    # Re-encode the 18.6 s dialogue fixture; a video track must be ignored.
    target = tmp_path / name
    cmd = [
        ffmpeg_exe(),
        "-nostdin",
        "-loglevel",
        "error",
        "-y",
        "-i",
        str(FIXTURES / "dialogue.mp3"),
    ]
    subprocess.run([*cmd, *encode, str(target)], check=True)
    info = probe_audio(target)
    samples = decode_pcm16(target, info.duration)
    assert info.duration == pytest.approx(18.6, abs=0.15)
    assert len(samples) / SAMPLE_RATE == pytest.approx(18.6, abs=0.15)
