"""SRT and WebVTT subtitles: each cue's text becomes (part of) a turn.

The speaker comes from a ``<v Name>`` voice tag or a leading ``Name:``; an
unlabelled cue continues the last named speaker. Cue times are not kept.
"""

from __future__ import annotations

import html
import re

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from .errors import TranscriptError
from .model import Transcript
from .names import split_label
from .segments import Segment, turns_from_segments

_TIME = r"(?:\d+:)?\d{1,2}:\d{2}(?:[,.]\d{1,3})?"
CUE_TIMING = re.compile(rf"\s*({_TIME})\s*-->\s*({_TIME})")

_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
# WebVTT escapes a literal "<", so every <...> is a tag. One tag at a time,
# stopping at the next "<", so a stray "<" costs no backtracking.
_VTT_TAG = re.compile(r"<[^<>]*>")
# SRT has no escaping: only the tags players render are markup, "<3" is text.
_SRT_TAG = re.compile(
    r"</?(?:i|b|u|s|font|v|c|lang|ruby|rt)(?:[\s.][^<>]*)?>|<\d[\d:.]*>", re.IGNORECASE
)
_ASS_OVERRIDE = re.compile(r"\{\\[^{}]*\}")

_NO_CUES = "No subtitle cues found: expected blocks of 'start --> end' followed by text."


def parse_srt(text: str) -> Transcript:
    return _transcript(_srt_segments(text, _SRT_TAG), "srt", None)


def parse_vtt(text: str) -> Transcript:
    try:
        vtt = webvtt.from_string(text.lstrip())
    except (MalformedFileError, MalformedCaptionError):
        # webvtt-py refuses some files that players accept; the lenient SRT
        # path reads the same cue blocks.
        return _transcript(_srt_segments(text, _VTT_TAG), "vtt", None)
    segments = [_segment(caption.raw_text, _VTT_TAG) for caption in vtt.captions]
    title = vtt.header_text.strip().lstrip("-").strip() or None
    return _transcript(segments, "vtt", title)


def _transcript(segments: list[Segment], source_format: str, title: str | None) -> Transcript:
    # A file that names speakers with a voice span on every cue means "nobody
    # known" by a cue without one; a file that labels only speaker changes
    # means "same as before".
    voiced = any(segment.voiced for segment in segments)
    turns = turns_from_segments(segments, inherit_speaker=not voiced, join_unlabelled=False)
    if not turns:
        raise TranscriptError(_NO_CUES)
    return Transcript(turns=turns, title=title, source_format=source_format)


def _srt_segments(text: str, tags: re.Pattern[str]) -> list[Segment]:
    return [
        _segment(sub.content, tags) for sub in srt.parse(_normalise_srt(text), ignore_errors=True)
    ]


def _normalise_srt(text: str) -> str:
    """Rewrite cue numbers and timings so that the srt library accepts the file.

    Real files miss or repeat cue numbers, use dots or omit hours and
    milliseconds; only the timing lines really mark the cues.
    """
    out: list[str] = []
    number = 0
    for line in text.split("\n"):
        match = CUE_TIMING.match(line)
        if match:
            if out and out[-1].strip().isdigit():
                out.pop()
            number += 1
            start, end = (_srt_time(match.group(g)) for g in (1, 2))
            out += ["", str(number), f"{start} --> {end}"]
        elif number:
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _srt_time(stamp: str) -> str:
    clock, _, fraction = stamp.replace(",", ".").partition(".")
    fields = [int(f) for f in clock.split(":")]
    hours, minutes, seconds = ([0] * (3 - len(fields)) + fields)[-3:]
    millis = int((fraction + "000")[:3])
    return f"{hours:02d}:{minutes:02d}:{seconds:02d},{millis:03d}"


def _segment(raw: str, tags: re.Pattern[str]) -> Segment:
    speaker = None
    voice = _VOICE.search(raw)
    if voice:
        speaker = " ".join(html.unescape(voice.group(1)).split()) or None
    text = _ASS_OVERRIDE.sub("", tags.sub("", raw))
    text = " ".join(html.unescape(text).split())
    if speaker is None:
        label = split_label(text)
        if label is not None:
            speaker, text = label
    return Segment(speaker, text, voiced=voice is not None)
