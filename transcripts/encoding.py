"""Bytes of an uploaded file to text: BOMs, UTF-8, cp1252, and refusing binary data."""

from __future__ import annotations

import codecs

from .errors import TranscriptError

_BOMS = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Text has almost no control characters besides tab and line ends; binary data
# decoded as cp1252 has one in every eight characters or so.
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
_MAX_CONTROL_SHARE = 0.01
_SAMPLE_CHARS = 65536


def decode_text(data: bytes) -> str:
    """Decode an uploaded transcript and normalise its line ends to ``\\n``.

    Raises TranscriptError for empty or binary data.
    """
    if not data.strip():
        raise TranscriptError("The transcript file is empty.")
    text = _decode(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    if _looks_binary(text):
        raise TranscriptError(_BINARY_MESSAGE)
    return text.replace("\r\n", "\n").replace("\r", "\n")


_BINARY_MESSAGE = (
    "This file looks like binary data, not a transcript. "
    "Upload the transcript as text (.txt, .srt, .vtt or .json)."
)


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(encoding)
            except UnicodeDecodeError as exc:
                raise TranscriptError(
                    f"The file starts with a {encoding.upper()} byte order mark "
                    f"but is not valid {encoding.upper()} text."
                ) from exc
    utf16 = _bomless_utf16(data)
    if utf16 is not None:
        return utf16
    if b"\x00" in data:
        raise TranscriptError(_BINARY_MESSAGE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TranscriptError(
            "The file is neither UTF-8 nor Windows-1252 text. Save it as UTF-8 and try again."
        ) from exc


def _bomless_utf16(data: bytes) -> str | None:
    """Decode UTF-16 without a BOM, which Windows tools sometimes write.

    Mostly-ASCII UTF-16 has a NUL in every other byte and nowhere else, which
    real binary files do not.
    """
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even, odd = sample[0::2], sample[1::2]
    for zeros, other, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros.count(0) >= 0.9 * len(zeros) and other.count(0) == 0:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:_SAMPLE_CHARS]
    controls = sum(
        1 for ch in sample if (ch < " " or "\x7f" <= ch < "\xa0") and ch not in _ALLOWED_CONTROLS
    )
    return controls > _MAX_CONTROL_SHARE * len(sample)
