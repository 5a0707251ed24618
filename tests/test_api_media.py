"""Audio with Range requests, the browser-playable copy, waveform peaks and the downloads."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
import srt
import webvtt

FIXTURES = Path(__file__).parent / "fixtures"
AUDIO = (FIXTURES / "dialogue.mp3").read_bytes()


def test_audio_answers_a_range_with_206_and_exactly_those_bytes(client, episode):
    response = client.get(episode["urls"]["audio"], headers={"Range": "bytes=1000-1999"})

    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 1000-1999/{len(AUDIO)}"
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.mimetype == "audio/mpeg"
    assert response.data == AUDIO[1000:2000]


def test_audio_without_a_range_is_the_whole_file(client, episode):
    response = client.get(episode["urls"]["audio"])

    assert response.status_code == 200
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.data == AUDIO


def test_an_open_ended_range_runs_to_the_end(client, episode):
    response = client.get(episode["urls"]["audio"], headers={"Range": f"bytes={len(AUDIO) - 10}-"})

    assert response.status_code == 206
    assert response.data == AUDIO[-10:]


def test_a_range_past_the_end_is_416(client, episode):
    response = client.get(episode["urls"]["audio"], headers={"Range": f"bytes={len(AUDIO) + 5}-"})
    assert response.status_code == 416


@pytest.fixture
def aiff(tmp_path) -> Path:
    """The dialogue as AIFF, a format browsers do not play."""
    path = tmp_path / "dialogue.aiff"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", FIXTURES / "dialogue.mp3", path],
        check=True,
    )
    return path


def test_audio_browsers_cannot_play_is_served_as_an_mp3_copy(client, upload, run_jobs, aiff):
    url = upload(audio=aiff).json["url"]
    audio_url = client.get(url).json["urls"]["audio"]
    assert client.get(audio_url).mimetype == "audio/aiff"  # the original until the job runs

    run_jobs()
    response = client.get(audio_url, headers={"Range": "bytes=0-2"})

    assert client.get(url).json["status"] == "done"
    assert response.status_code == 206
    assert response.mimetype == "audio/mpeg"
    assert response.data in (b"ID3", b"\xff\xfb\x90") or response.data[:2] == b"\xff\xfb"


def test_peaks_cover_the_audio_and_are_cached(app, client, upload):
    episode_id = upload().json["id"]

    peaks = client.get(f"/api/episodes/{episode_id}/peaks").json

    assert peaks["points_per_second"] == 20
    assert peaks["duration"] == pytest.approx(18.6, abs=0.2)
    assert len(peaks["peaks"]) == pytest.approx(peaks["duration"] * 20, abs=2)
    assert max(peaks["peaks"]) == 1.0 and min(peaks["peaks"]) >= 0
    cached = Path(app.config["DATA_DIR"]) / "episodes" / episode_id / "peaks.json"
    assert json.loads(cached.read_text()) == peaks


def test_long_episodes_get_fewer_peaks_per_second():
    from podalign.api.peaks import points_per_second

    assert points_per_second(60) == 20
    assert points_per_second(3600) == 6
    assert points_per_second(5 * 3600) == 1


def test_downloads_are_attachments_named_after_the_title(client, episode):
    for key, suffix in [
        ("json", ".json"),
        ("srt", ".srt"),
        ("vtt", ".vtt"),
        ("txt", ".txt"),
        ("podcast", ".podcast.json"),
    ]:
        response = client.get(episode["urls"]["downloads"][key])
        assert response.status_code == 200, key
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="episode-7-the-edge{suffix}"'
        )


def test_srt_download_parses_with_a_cue_per_turn(client, episode):
    text = client.get(episode["urls"]["downloads"]["srt"]).get_data(as_text=True)

    cues = list(srt.parse(text))

    assert cues
    assert "Welcome to the show" in cues[0].content
    first_turn = episode["transcript"]["turns"][0]
    assert cues[0].start.total_seconds() == pytest.approx(first_turn["start"], abs=0.01)


def test_vtt_download_parses(client, episode):
    response = client.get(episode["urls"]["downloads"]["vtt"])

    captions = webvtt.from_buffer(io.StringIO(response.get_data(as_text=True)))

    assert response.mimetype == "text/vtt"
    assert any("Thanks for having me" in caption.text for caption in captions)


def test_json_downloads_parse(client, episode):
    timed = client.get(episode["urls"]["downloads"]["json"]).json
    podcast = json.loads(client.get(episode["urls"]["downloads"]["podcast"]).data)

    assert timed and podcast
    assert "Bob Okafor" in json.dumps(podcast)


def test_downloads_wait_until_the_episode_is_done(client, upload):
    episode = client.get(upload().json["url"]).json

    response = client.get(episode["urls"]["downloads"]["srt"])

    assert response.status_code == 409
    assert "queued" in response.json["error"]
