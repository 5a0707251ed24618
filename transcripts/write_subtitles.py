"""SRT and WebVTT output from the cue cutter, in the line layouts podcast apps ask for."""

from __future__ import annotations

from dataclasses import dataclass

from .cues import Cue, cut_cues
from .model import Transcript


@dataclass(frozen=True)
class LinePreset:
    max_line_chars: int
    max_lines: int


# Subtitle line layouts by name. netflix is the broadcast 2 x 42 (the default);
# apple is what Apple Podcasts and the Podcasting 2.0 guidance ask of WebVTT
# (one line of up to 65 characters); p20 is the Podcasting 2.0 SRT layout (2 x 32).
PRESETS: dict[str, LinePreset] = {
    "netflix": LinePreset(42, 2),
    "apple": LinePreset(65, 1),
    "p20": LinePreset(32, 2),
}


def write_srt(transcript: Transcript, max_line_chars: int = 42, max_lines: int = 2) -> str:
    """SubRip subtitles; ``Name: `` opens the first cue of each turn."""
    cues = cut_cues(transcript, max_line_chars, max_lines, speaker_prefix=True)
    blocks = [
        f"{n}\n{clock(cue.start, ',')} --> {clock(cue.end, ',')}\n" + "\n".join(cue.lines)
        for n, cue in enumerate(cues, start=1)
    ]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def write_vtt(
    transcript: Transcript,
    max_line_chars: int = 42,
    max_lines: int = 2,
    word_timestamps: bool = False,
) -> str:
    """WebVTT subtitles; every cue of a named speaker carries a ``<v Name>`` voice span.

    With ``word_timestamps`` each word after a cue's first is preceded by its
    start as an inline timestamp (``<00:01:02.500>``), for karaoke-style
    highlighting.
    """
    cues = cut_cues(transcript, max_line_chars, max_lines)
    blocks = ["WEBVTT"]
    for cue in cues:
        lines = _timed_lines(cue) if word_timestamps else cue.lines
        text = "\n".join(escape_vtt(line) if not word_timestamps else line for line in lines)
        if cue.speaker:
            text = f"<v {escape_vtt(' '.join(cue.speaker.split()))}>{text}</v>"
        blocks.append(f"{clock(cue.start, '.')} --> {clock(cue.end, '.')}\n{text}")
    return "\n\n".join(blocks) + "\n"


def _timed_lines(cue: Cue) -> list[str]:
    """The cue's lines, escaped, with a timestamp before every word that can carry one.

    WebVTT wants inline timestamps strictly inside the cue and strictly
    increasing, so a word starting with (or before) the one before it gets none.
    """
    cue_start, cue_end = round(cue.start * 1000), round(cue.end * 1000)
    last = cue_start
    words = iter(zip(cue.words, cue.word_times, strict=True))
    lines = []
    for line in cue.lines:
        tokens = []
        for _ in line.split():
            word, (start, _end) = next(words)
            millis = round(start * 1000)
            text = escape_vtt(word.text)
            if last < millis < cue_end:
                text = f"<{clock(millis / 1000, '.')}>{text}"
                last = millis
            tokens.append(text)
        lines.append(" ".join(tokens))
    return lines


def escape_vtt(text: str) -> str:
    """Escape what WebVTT cue text reserves; this also keeps "-->" out of cue text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clock(seconds: float, separator: str) -> str:
    """``hh:mm:ss.mmm`` (WebVTT) or ``hh:mm:ss,mmm`` (SRT)."""
    millis = round(seconds * 1000)
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"
