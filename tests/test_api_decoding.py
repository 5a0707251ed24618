"""One decoding pass per upload, and none for a realignment: counted at the decode seam."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from podalign.audio import decode

pytestmark = [pytest.mark.slow, pytest.mark.whisper]

FIXTURES = Path(__file__).parent / "fixtures"
DIALOGUE = (FIXTURES / "dialogue.txt").read_text(encoding="utf-8")


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The app on an empty cache: nothing decoded or recognised before the test."""
    from podalign.api import create_app
    from podalign.api.app import ENV_VARS

    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return create_app(
        {"TESTING": True, "DATA_DIR": tmp_path / "data", "CACHE_DIR": tmp_path / "cache"}
    )


def test_an_upload_is_decoded_once_and_realigned_without_decoding(
    app, client, upload, run_jobs, counts
):
    body = upload().json
    run_jobs()
    assert client.get(body["url"]).json["status"] == "done"
    assert counts["decodes"] == 1
    assert counts["windows"] >= 1
    peaks = client.get(f"{body['url']}/peaks").json["peaks"]
    assert len(peaks) == pytest.approx(18.6 * 20, abs=2) and max(peaks) == 1.0
    assert counts["decodes"] == 1

    recognised = counts["windows"]
    edited = DIALOGUE.replace("Great. ", "")
    assert client.post(f"{body['url']}/realign", data={"transcript_text": edited}).status_code
    run_jobs()
    episode = client.get(body["url"]).json
    assert episode["status"] == "done"
    assert episode["transcript"]["turns"][2]["text"].startswith("Let us start")
    assert counts == {"decodes": 1, "windows": recognised}


def test_a_format_browsers_cannot_play_gets_its_copy_from_the_same_decode(
    app, client, upload, run_jobs, counts, tmp_path
):
    # The dialogue as 24-bit WAV: decodable, but not a format every browser plays.
    source = tmp_path / "dialogue.pcm"
    samples = decode.decode_to_file(FIXTURES / "dialogue.mp3", source).pcm
    wav = tmp_path / "dialogue.wav"
    with wave.open(str(wav), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(3)
        out.setframerate(16000)
        wide = samples.span(0, samples.duration).astype("<i4") << 8
        out.writeframes(np.frombuffer(wide.tobytes(), np.uint8).reshape(-1, 4)[:, :3].tobytes())
    counts["decodes"] = 0

    body = upload(audio=wav).json
    run_jobs()
    episode = client.get(body["url"]).json
    assert episode["status"] == "done", episode["error"]
    folder = Path(app.config["DATA_DIR"]) / "episodes" / body["id"]
    assert (folder / "playable.mp3").stat().st_size > 10_000
    assert (folder / "peaks.json").is_file()
    assert counts["decodes"] == 1
