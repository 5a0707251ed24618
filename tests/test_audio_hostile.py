"""Hostile audio: playlists that name other files, live streams, headers that lie, and
ffmpeg runs that must end on time with every process they started."""

from __future__ import annotations

import struct
import threading
import time
import tracemalloc
from pathlib import Path

import pytest
from podalign.audio import (
    AudioError,
    AudioTooLong,
    DecodedStore,
    decode_and_make_playable,
    decode_to_file,
    ffmpeg,
    measure_audio,
    probe_audio,
)

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = FIXTURES / "dialogue.mp3"
# dialogue.mp3 is MPEG-2 layer 3 at 22050 Hz: 576 samples a frame.
FRAME_SECONDS = 576 / 22050


def hls_playlist(path: Path, segment: str, *, live: bool = False, repeats: int = 1) -> Path:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:20"]
    for _ in range(repeats):
        lines += ["#EXTINF:18.6,", segment]
    if not live:
        lines.append("#EXT-X-ENDLIST")
    path.write_text("\n".join(lines) + "\n")
    return path


def mp3_claiming(path: Path, seconds: float, keep_bytes: int = 4096) -> Path:
    """The first ``keep_bytes`` of dialogue.mp3 with its Info header claiming ``seconds``."""
    data = bytearray(DIALOGUE.read_bytes()[:keep_bytes])
    at = data.find(b"Info")
    data[at + 8 : at + 12] = struct.pack(">I", int(seconds / FRAME_SECONDS))
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "segment",
    [f"file://{DIALOGUE}", str(DIALOGUE), "../fixtures/dialogue.mp3", "dialogue.mp3"],
)
def test_an_hls_playlist_naming_a_server_file_is_refused(tmp_path: Path, segment: str) -> None:
    (tmp_path / "dialogue.mp3").write_bytes(DIALOGUE.read_bytes())
    playlist = hls_playlist(tmp_path / "episode.mp3", segment, repeats=30)
    with pytest.raises(AudioError, match="hls files are not accepted"):
        measure_audio(playlist)
    with pytest.raises(AudioError):
        probe_audio(playlist)
    with pytest.raises(AudioError):
        decode_to_file(playlist, tmp_path / "decoded.pcm")
    with pytest.raises(AudioError):
        decode_and_make_playable(DecodedStore(tmp_path / "cache"), playlist, tmp_path)
    assert not (tmp_path / "playable.mp3").exists()


def test_a_live_playlist_is_refused_at_once(tmp_path: Path) -> None:
    playlist = hls_playlist(tmp_path / "live.m3u8", f"file://{DIALOGUE}", live=True)
    started = time.monotonic()
    with pytest.raises(AudioError, match="not accepted"):
        measure_audio(playlist)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    "text",
    [
        f"ffconcat version 1.0\nfile '{DIALOGUE}'\nfile '{DIALOGUE}'\n",
        f"#EXTM3U\n#EXTINF:18,\n{DIALOGUE}\n",
        f"[playlist]\nFile1={DIALOGUE}\nNumberOfEntries=1\n",
    ],
)
def test_other_playlists_are_refused(tmp_path: Path, text: str) -> None:
    playlist = tmp_path / "episode.mp3"
    playlist.write_text(text)
    with pytest.raises(AudioError):
        measure_audio(playlist)


def test_a_header_claiming_ten_hours_is_refused_before_decoding(tmp_path: Path) -> None:
    liar = mp3_claiming(tmp_path / "liar.mp3", 10 * 3600)
    assert probe_audio(liar).duration == pytest.approx(36000, rel=0.01)
    with pytest.raises(AudioTooLong, match="limit of 6 h"):
        measure_audio(liar)


def test_a_claimed_duration_never_decides_memory(tmp_path: Path) -> None:
    liar = mp3_claiming(tmp_path / "liar.mp3", 5 * 3600)
    info = measure_audio(liar)
    assert info.duration < 1
    tracemalloc.start()
    try:
        decoded = decode_to_file(
            liar, tmp_path / "liar.pcm", expected_seconds=probe_audio(liar).duration
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert decoded.pcm.count < 16000
    # Five hours at 16 kHz would be 576 MB; the samples go to a file as they come.
    assert peak < 25 << 20


def test_a_truncated_mp3_measures_what_it_holds_not_what_it_claims(tmp_path: Path) -> None:
    data = DIALOGUE.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) * 3 // 10])
    assert probe_audio(cut).duration == pytest.approx(18.65, abs=0.05)
    assert measure_audio(cut).duration == pytest.approx(18.65 * 0.3, abs=0.7)


def test_the_maximum_duration_is_checked_while_decoding(tmp_path: Path) -> None:
    with pytest.raises(AudioTooLong, match="limit of 0.001 h"):
        measure_audio(DIALOGUE, max_seconds=3.6)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies left for init do not count)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_a_run_past_its_deadline_is_killed_with_its_children() -> None:
    started = time.monotonic()
    with pytest.raises(ffmpeg.TimedOut, match="within 0.5 seconds"):
        with ffmpeg.running(["sh", "-c", "sleep 30 & sleep 30"], timeout=0.5) as proc:
            pgid = proc.popen.pid
            proc.popen.wait()
    # SIGKILL is delivered at once but reaped a moment later.
    deadline = time.monotonic() + 3
    while _group_alive(pgid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert time.monotonic() - started < 5
    assert not _group_alive(pgid)


def test_stopping_an_owner_kills_its_runs_and_refuses_new_ones() -> None:
    caught: list[BaseException] = []
    started = threading.Event()

    def job() -> None:
        with ffmpeg.owned_by("job-1"):
            try:
                with ffmpeg.running(["sh", "-c", "sleep 30 & sleep 30"], timeout=60) as proc:
                    started.set()
                    proc.popen.wait()
            except ffmpeg.Stopped as error:
                caught.append(error)
            try:
                ffmpeg.run(["sleep", "30"], timeout=60)
            except ffmpeg.Stopped as error:
                caught.append(error)

    thread = threading.Thread(target=job)
    thread.start()
    assert started.wait(10)
    assert ffmpeg.stop("job-1") == 1
    thread.join(10)
    assert not thread.is_alive()
    assert len(caught) == 2


def test_a_run_stuck_starting_holds_up_neither_stop_nor_other_runs(monkeypatch) -> None:
    """Popen waits until its child has started the program; a child that never gets there
    (stopped, starved) must not hold the lock that stop() and every other run need. Once
    it does start, it finds its owner stopped and is killed."""
    release = threading.Event()
    real_popen = ffmpeg.subprocess.Popen

    def slow_popen(cmd, **kwargs):
        if cmd[0] == "slow":
            release.wait(30)
            cmd = ["sleep", "30"]
        return real_popen(cmd, **kwargs)

    monkeypatch.setattr(ffmpeg.subprocess, "Popen", slow_popen)
    caught: list[BaseException] = []
    started: list[ffmpeg.Process] = []

    def job() -> None:
        with ffmpeg.owned_by("job-2"):
            try:
                with ffmpeg.running(["slow"], timeout=60) as proc:
                    started.append(proc)
                    proc.popen.wait()
            except ffmpeg.Stopped as error:
                caught.append(error)

    thread = threading.Thread(target=job)
    thread.start()
    time.sleep(0.2)
    stopper = threading.Thread(target=ffmpeg.stop, args=("job-2",))
    stopper.start()
    stopper.join(5)
    assert not stopper.is_alive(), "stop() waited for a run that had not started"
    ffmpeg.run(["true"], timeout=10)

    release.set()
    thread.join(10)
    assert not thread.is_alive() and len(caught) == 1
    assert not _group_alive(started[0].popen.pid)
