"""The least any recognition design spends on Whisper for an episode: its encoder.

    python benchmarks/encoder_floor.py AUDIO [--forced-tokens N] [--cache-dir DIR]

Loads the model and decodes the audio as `podalign align` does (the same heap
settings, model workers and windows), then runs the log-mel features and the
encoder over every planned window on all workers; with ``--forced-tokens N``,
also one forced pass of N known tokens per window, which is what forcing the
transcript through the decoder needs for word times. Prints wall and CPU
seconds: the floor that benchmarks/PERF.md adds up against the x80 budget.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from podalign.aligner import whisper_api
from podalign.aligner.models import load_model
from podalign.aligner.windows import Window, plan_windows
from podalign.audio import DecodedStore, to_float32
from threadpoolctl import threadpool_limits


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("audio", type=Path)
    parser.add_argument("--forced-tokens", type=int, default=0)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()
    cache_dir = args.cache_dir or Path(tempfile.mkdtemp())

    model = load_model()
    decoded = DecodedStore(cache_dir).get(args.audio)
    windows = plan_windows(decoded.envelope)
    tokenizer = whisper_api.make_tokenizer(model, None)
    prompt = [*tokenizer.sot_sequence, tokenizer.no_timestamps]
    # Arbitrary text tokens: the forced pass costs the same whatever they say.
    known = list(range(300, 300 + args.forced_tokens))

    def hear(window: Window) -> None:
        audio = to_float32(decoded.pcm.span(window.start, window.end))
        mel, frames = whisper_api.features(model, audio)
        output = whisper_api.encode(model, mel[None])
        if known:
            whisper_api.forced_alignment(model, output, prompt, known, frames)

    wall, cpu = time.monotonic(), cpu_seconds()
    with (
        threadpool_limits(limits=1, user_api="blas"),
        ThreadPoolExecutor(max_workers=whisper_api.worker_count(model)) as pool,
    ):
        list(pool.map(hear, windows))
    print(
        f"{len(windows)} windows: {time.monotonic() - wall:.2f} s wall, "
        f"{cpu_seconds() - cpu:.1f} CPU s"
        + (f" (with {args.forced_tokens} forced tokens each)" if known else "")
    )


if __name__ == "__main__":
    main()
