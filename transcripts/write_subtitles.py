"""SRT and WebVTT output from the cue cutter."""

from __future__ import annotations

from .cues import cut_cues
from .model import Transcript


def write_srt(transcript: Transcript, max_line_chars: int = 42, max_lines: int = 2) -> str:
    """SubRip subtitles; ``Name: `` opens the first cue of each turn."""
    cues = cut_cues(transcript, max_line_chars, max_lines, speaker_prefix=True)
    blocks = [
        f"{n}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n" + "\n".join(cue.lines)
        for n, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def write_vtt(transcript: Transcript, max_line_chars: int = 42, max_lines: int = 2) -> str:
    """WebVTT subtitles; every cue of a named speaker carries a ``<v Name>`` voice span."""
    cues = cut_cues(transcript, max_line_chars, max_lines)
    blocks = ["WEBVTT"]
    for cue in cues:
        text = "\n".join(escape_vtt(line) for line in cue.lines)
        if cue.speaker:
            text = f"<v {escape_vtt(' '.join(cue.speaker.split()))}>{text}</v>"
        blocks.append(f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def escape_vtt(text: str) -> str:
    """Escape what WebVTT cue text reserves; this also keeps "-->" out of cue text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clock(seconds: float, separator: str) -> str:
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
