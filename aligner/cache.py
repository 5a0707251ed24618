"""Recognition results cached by audio content and model.

Realigning an edited transcript against the same audio then needs no
Whisper pass and no decoding: the words heard and the loudness envelope
are read back from here.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
from podalign.aligner.acoustic import AcousticWord, Alignment, Stretch
from podalign.aligner.forced import ForcedWord
from podalign.aligner.recognise import RecognisedWord
from podalign.aligner.speech import SpeechMap
from podalign.audio import Envelope, PcmFile, audio_digest

# Part of the key, so that a change to windowing or decoding invalidates old entries.
RECOGNITION_VERSION = 4
# An entry packed to travel between machines: member name -> suffix of the file here.
PACKED_FILES = {"words.json.gz": ".json.gz", "envelope.npy": ".npy", "second.gz": ".second.gz"}
REQUIRED_FILES = ("words.json.gz", "envelope.npy")
# Far above a 6-hour episode's largest file (its second listens, a few MB), and a cap on
# what a damaged or hostile zip can make us write.
PACKED_MEMBER_BYTES = 256 << 20


class Recognition(NamedTuple):
    """What the Whisper pass found in one audio file."""

    words: list[RecognisedWord]
    envelope: Envelope
    duration: float
    language: str | None


class RecognitionCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory / "recognition"

    def key(self, audio_path: Path, model_id: str, language: str | None) -> str:
        return self.key_of_digest(audio_digest(audio_path), model_id, language)

    @staticmethod
    def key_of_digest(digest: str, model_id: str, language: str | None) -> str:
        label = f"{digest}:{model_id}:{language or 'auto'}:{RECOGNITION_VERSION}"
        return hashlib.sha256(label.encode()).hexdigest()[:32]

    def load(self, key: str) -> Recognition | None:
        return _read_recognition(self.directory / f"{key}.json.gz", self.directory / f"{key}.npy")

    def forget(self, key: str) -> None:
        """Delete the entry and its second listens, if any."""
        for suffix in PACKED_FILES.values():
            (self.directory / f"{key}{suffix}").unlink(missing_ok=True)

    def pack(self, key: str) -> bytes | None:
        """The entry as one zip file, to send to another machine; None if there is none."""
        if self.load(key) is None:
            return None
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w") as bundle:
            for member, suffix in PACKED_FILES.items():
                path = self.directory / f"{key}{suffix}"
                if path.is_file():
                    bundle.write(path, member)
        return packed.getvalue()

    def unpack(self, key: str, packed: bytes) -> None:
        """Store an entry that :meth:`pack` made on another machine, replacing this one's.

        Raises ValueError, storing nothing, unless it is such an entry for the same format.
        """
        try:
            with zipfile.ZipFile(io.BytesIO(packed)) as bundle:
                members = {info.filename: info for info in bundle.infolist()}
                if not set(members) <= set(PACKED_FILES) or not set(REQUIRED_FILES) <= set(members):
                    raise ValueError(f"a packed recognition holds {sorted(PACKED_FILES)}")
                if any(info.file_size > PACKED_MEMBER_BYTES for info in members.values()):
                    raise ValueError(f"a packed file is over {PACKED_MEMBER_BYTES >> 20} MiB")
                contents = {name: bundle.read(name) for name in members}
        # An encrypted or oddly compressed zip raises RuntimeError or NotImplementedError.
        except (
            zipfile.BadZipFile,
            EOFError,
            zlib.error,
            RuntimeError,
            NotImplementedError,
        ) as error:
            raise ValueError(f"not a packed recognition: {error}") from None
        self.directory.mkdir(parents=True, exist_ok=True)
        unpacked = {
            suffix: _unique_temporary(self.directory, suffix) for suffix in PACKED_FILES.values()
        }
        try:
            for name, data in contents.items():
                unpacked[PACKED_FILES[name]].write_bytes(data)
            if _read_recognition(unpacked[".json.gz"], unpacked[".npy"]) is None:
                raise ValueError("the packed recognition cannot be read")
            if "second.gz" in contents:
                SecondListens.read(unpacked[".second.gz"])
            for name in contents:
                suffix = PACKED_FILES[name]
                unpacked.pop(suffix).replace(self.directory / f"{key}{suffix}")
        finally:
            for leftover in unpacked.values():
                leftover.unlink(missing_ok=True)

    def second_listens(self, key: str) -> SecondListens:
        return SecondListens(self.directory / f"{key}.second.gz")

    def store(self, key: str, recognition: Recognition) -> None:
        """Write both files under temporary names first so a crash leaves no half entry."""
        self.directory.mkdir(parents=True, exist_ok=True)
        words, envelope = recognition.words, recognition.envelope
        payload = {
            "duration": recognition.duration,
            "language": recognition.language,
            "words": [vars(w) for w in words],
        }
        words_file = self.directory / f"{key}.json.gz"
        envelope_file = self.directory / f"{key}.npy"
        tmp_envelope = _unique_temporary(self.directory, ".npy")
        tmp_words = _unique_temporary(self.directory, ".json.gz")
        with open(tmp_envelope, "wb") as file:
            np.save(file, envelope.db)
        tmp_words.write_bytes(gzip.compress(json.dumps(payload).encode(), compresslevel=5))
        tmp_envelope.replace(envelope_file)
        tmp_words.replace(words_file)


def _read_recognition(words_file: Path, envelope_file: Path) -> Recognition | None:
    if not (words_file.is_file() and envelope_file.is_file()):
        return None
    try:
        data = json.loads(gzip.decompress(words_file.read_bytes()))
        words = [RecognisedWord(**w) for w in data["words"]]
        envelope = Envelope(db=np.load(envelope_file, allow_pickle=False))
        duration = float(data["duration"])
        language = data.get("language")
    # A damaged entry (cut short, edited, from another version) is recognised afresh.
    except (OSError, EOFError, zlib.error, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Recognition(words, envelope, duration, language)


def _unique_temporary(directory: Path, suffix: str) -> Path:
    """A fresh name per writer: two jobs on one audio may store at the same moment."""
    handle, name = tempfile.mkstemp(dir=directory, prefix=".", suffix=suffix)
    os.close(handle)
    return Path(name)


def _stretch_of(key: str, words: list[str]) -> Stretch:
    """The stretch an acoustic alignment was kept under (its key is start-end-text)."""
    start, end = (float(edge) for edge in key.split("-")[:2])
    return Stretch(start, end, tuple(words))


def _acoustic(data: dict) -> dict[str, Alignment | None]:
    """Acoustic alignments as saved; none from a file written before words knew which of
    their edges were found, so those stretches are aligned again."""
    try:
        return {
            k: None if v is None else [None if w is None else AcousticWord(**w) for w in v]
            for k, v in data.items()
        }
    except TypeError:
        return {}


class SecondListens:
    """Second listens already made on one audio with one model, kept beside its recognition.

    A realignment of an edited transcript asks again about mostly the same
    stretches; the answers are read back here instead of running Whisper or
    the acoustic aligner again.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.heard: dict[str, list[RecognisedWord]] = {}
        self.forced: dict[str, list[ForcedWord] | None] = {}
        self.acoustic: dict[str, Alignment | None] = {}
        self.acoustic_words: dict[str, list[str]] = {}
        self.speech: dict[str, str] = {}
        self._changed = False
        try:
            self.heard, self.forced, self.acoustic, self.acoustic_words, self.speech = self.read(
                path
            )
        # Missing or damaged: listened to afresh.
        except ValueError:
            pass
        self._pieces_before = [
            (_stretch_of(key, self.acoustic_words[key]), alignment)
            for key, alignment in self.acoustic.items()
            if key in self.acoustic_words
        ]

    @staticmethod
    def read(
        path: Path,
    ) -> tuple[
        dict[str, list[RecognisedWord]],
        dict[str, list[ForcedWord] | None],
        dict[str, Alignment | None],
        dict[str, list[str]],
        dict[str, str],
    ]:
        """What a file of second listens holds; ValueError if it is missing or damaged."""
        try:
            data = json.loads(gzip.decompress(path.read_bytes()))
            heard = {k: [RecognisedWord(**w) for w in v] for k, v in data["heard"].items()}
            forced = {
                k: None if v is None else [ForcedWord(**w) for w in v]
                for k, v in data["forced"].items()
            }
            acoustic = _acoustic(data.get("acoustic", {}))
            words = {k: [str(w) for w in v] for k, v in data.get("acoustic_words", {}).items()}
            speech = {k: str(v) for k, v in data.get("speech", {}).items()}
        except (
            OSError,
            EOFError,
            zlib.error,
            ValueError,
            KeyError,
            TypeError,
            AttributeError,
        ) as e:
            raise ValueError(f"unreadable second listens: {e}") from None
        return heard, forced, acoustic, words, speech

    @staticmethod
    def window_key(start: float, end: float) -> str:
        return f"{start:.3f}-{end:.3f}"

    @staticmethod
    def forced_key(start: float, end: float, words: Sequence[str]) -> str:
        text = hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]
        return f"{start:.3f}-{end:.3f}-{text}"

    def remember_heard(self, key: str, words: list[RecognisedWord]) -> None:
        self.heard[key] = words
        self._changed = True

    def remember_forced(self, key: str, words: list[ForcedWord] | None) -> None:
        self.forced[key] = words
        self._changed = True

    def remember_acoustic(self, stretch: Stretch, alignment: Alignment | None) -> None:
        key = self.forced_key(stretch.start, stretch.end, stretch.words)
        self.acoustic[key] = alignment
        self.acoustic_words[key] = list(stretch.words)
        self._changed = True

    def acoustic_pieces(self, failed: bool) -> Iterator[tuple[Stretch, Alignment | None]]:
        """Every stretch the acoustic aligner placed words in on an earlier run, with its
        alignment; with ``failed``, also those where it found no path (alignment None).
        Not this run's: a stretch asked about now overlaps its own run's stretches (a
        sentence of a piece that found no path) without being an edit of them."""
        for piece, alignment in self._pieces_before:
            if alignment is not None or failed:
                yield piece, alignment

    def speech_map(self, pcm: PcmFile, start: float, end: float) -> SpeechMap:
        """Silero's verdicts on [start, end] seconds, heard once and then read back.

        Asked for again by a realignment, they spare it the VAD and the import
        of faster-whisper that brings it (0.3 s of a 3 s cached realignment).
        """
        key = self.window_key(start, end)
        if key not in self.speech:
            heard = SpeechMap.listen(pcm, start, end)
            self.speech[key] = (heard.speech.astype(np.uint8) + ord("0")).tobytes().decode()
            self._changed = True
        return SpeechMap(start, np.frombuffer(self.speech[key].encode(), np.uint8) == ord("1"))

    def save(self) -> None:
        if not self._changed:
            return
        payload = {
            "heard": {k: [vars(w) for w in v] for k, v in self.heard.items()},
            "forced": {
                k: None if v is None else [vars(w) for w in v] for k, v in self.forced.items()
            },
            "acoustic": {
                k: None if v is None else [None if w is None else vars(w) for w in v]
                for k, v in self.acoustic.items()
            },
            "acoustic_words": self.acoustic_words,
            "speech": self.speech,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = _unique_temporary(self.path.parent, ".json.gz")
        partial.write_bytes(gzip.compress(json.dumps(payload).encode(), compresslevel=5))
        partial.replace(self.path)
        self._changed = False
