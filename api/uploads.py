"""Reading an upload's fields and checking them: transcript text, audio that decodes."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from flask import abort, current_app, request
from podalign.audio import AudioError, AudioTooLong, measure_audio
from podalign.transcripts import TranscriptError, parse_transcript
from podalign.transcripts.model import Transcript
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

if TYPE_CHECKING:
    from podalign.audio import AudioInfo

MAX_TITLE = 300
# A three-hour episode's transcript is about 200 KB; this leaves room for any real one.
MAX_TRANSCRIPT_BYTES = 20 << 20

# Content types by ffmpeg demuxer name, most specific first (a WebM file
# probes as "matroska,webm"). Uploads are served under these types only; the
# upload's own name never chooses one (an "evil.html" must not become a page).
MIMETYPES = {
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "flac": "audio/flac",
    "aac": "audio/aac",
    "webm": "audio/webm",
    "matroska": "audio/x-matroska",
    "mp4": "audio/mp4",
    "asf": "audio/x-ms-wma",
    "aiff": "audio/aiff",
}
SERVABLE = frozenset(MIMETYPES.values()) | {"audio/mpeg"}
DOWNLOAD_ONLY = "application/octet-stream"


def audio_from_request() -> tuple[FileStorage, str]:
    """The uploaded audio file and its name."""
    audio = request.files.get("audio")
    if audio is None or not audio.filename:
        abort(400, "Missing the 'audio' file: send the episode audio as multipart/form-data.")
    return audio, audio.filename


def transcript_from_request(*, allow_json: bool = False) -> tuple[bytes, str | None]:
    """The transcript as uploaded (bytes and file name) from a file, a text field or JSON."""
    if allow_json and request.is_json:
        body = request.get_json(silent=True)
        text = body.get("transcript_text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            abort(400, 'Missing the transcript: send JSON like {"transcript_text": "Alice: Hi."}.')
        return text.encode("utf-8"), None
    upload = request.files.get("transcript")
    if upload is not None and upload.filename:
        data = upload.read(MAX_TRANSCRIPT_BYTES + 1)
        if len(data) > MAX_TRANSCRIPT_BYTES:
            limit = MAX_TRANSCRIPT_BYTES >> 20
            abort(413, f"The transcript is over {limit} MB; is it the right file?")
        return data, upload.filename
    text = request.form.get("transcript_text", "")
    if text.strip():
        return text.encode("utf-8"), None
    abort(400, "Missing the transcript: send a 'transcript' file or a 'transcript_text' field.")


def title_from_request() -> str:
    return request.form.get("title", "").strip()[:MAX_TITLE]


def parse(data: bytes, filename: str | None) -> Transcript:
    """Parse a transcript, or answer 422 with the parser's explanation."""
    try:
        transcript = parse_transcript(data, filename)
    except TranscriptError as error:
        abort(422, f"The transcript could not be read: {error}")
    if not transcript.turns:
        abort(422, "The transcript has no turns; expected paragraphs like 'Speaker Name: text'.")
    _check_size(transcript)
    return transcript


def _check_size(transcript: Transcript) -> None:
    """422 for a transcript longer than the server's limits, naming the limit."""
    turns, most_turns = len(transcript.turns), current_app.config["MAX_TURNS"]
    if turns > most_turns:
        abort(422, f"The transcript has {turns} turns; this server takes at most {most_turns}.")
    words = sum(len(turn.words) for turn in transcript.turns)
    most_words = current_app.config["MAX_WORDS"]
    if words > most_words:
        abort(422, f"The transcript has {words} words; this server takes at most {most_words}.")


def probe(path: Path) -> AudioInfo:
    """Decode the upload to check it is audio (its name proves nothing) and measure it;
    415 if it is not, 413 if it is longer than the server's limit."""
    max_seconds = float(current_app.config["MAX_AUDIO_HOURS"]) * 3600
    try:
        return measure_audio(path, max_seconds)
    except AudioTooLong:
        hours = current_app.config["MAX_AUDIO_HOURS"]
        abort(413, f"The audio is longer than this server's limit of {hours:g} hours.")
    except AudioError as error:
        # The message names our stored copy; the user knows the file by another name.
        reason = str(error).removeprefix(f"{path.name}: ")
        abort(415, f"The 'audio' file is not audio that can be decoded: {reason}.")


def suffix(filename: str | None, default: str = "") -> str:
    """A safe, short file extension taken from an uploaded file's name."""
    found = Path(secure_filename(filename or "")).suffix.lower()
    return found if 1 < len(found) <= 10 else default


def title_from_filename(filename: str) -> str:
    return Path(filename).stem.strip()[:MAX_TITLE] or "Untitled episode"


def audio_mimetype(info: AudioInfo) -> str:
    demuxers = set(info.format_name.split(","))
    for name, mimetype in MIMETYPES.items():
        if name in demuxers:
            return mimetype
    return DOWNLOAD_ONLY
