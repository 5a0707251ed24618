"""Fixing misheard words in an aligned episode: how long an edit takes, and how well the
fixed words are timed.

A benchmark case's transcript is uploaded with words in some turns misheard (each
replaced by made-up words the audio does not hold), aligned, and then each of
those turns is set right with PATCH /api/episodes/<id>/turns/<n>. The fixed text
is what is spoken, so the re-timed words are scored against the case's truth.

    python benchmarks/edit_retime.py ../shared/bench/cases/seed-full [--cache-dir DIR]

Give a cache dir that already holds the case's recognition (any earlier
`podalign align --cache-dir DIR` run) to skip the Whisper pass.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from podalign.api import create_app
from podalign.api.jobs import jobs_of
from podalign.transcripts import parse_transcript

MISHEARD = ("Zarvo", "Pelnik")
MIN_TURN_WORDS = 20
WORDS_PER_MISHEARING = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", type=Path)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    truth = json.loads((args.case / "truth.json").read_text())["turns"]
    transcript = parse_transcript((args.case / "transcript.txt").read_bytes())
    assert len(transcript.turns) == len(truth), "the transcript and its truth disagree"

    rng = random.Random(args.seed)
    misheard: dict[int, list[int]] = {}
    corrupted_text = []
    for index, (turn, true_turn) in enumerate(zip(transcript.turns, truth, strict=True)):
        words = turn.text.split()
        candidates = [
            k
            for k, (word, true_word) in enumerate(zip(words, true_turn["words"], strict=True))
            if word.isalpha() and len(word) >= 5 and true_word["start"] is not None
        ]
        if len(words) >= MIN_TURN_WORDS and candidates:
            count = max(1, len(words) // WORDS_PER_MISHEARING)
            chosen = sorted(rng.sample(candidates, min(count, len(candidates))))
            misheard[index] = chosen
            for k in chosen:
                words[k] = " ".join(MISHEARD)
        corrupted_text.append(f"{turn.speaker}: {' '.join(words)}")

    with tempfile.TemporaryDirectory() as data:
        cache = args.cache_dir or Path(data) / "cache"
        app = create_app({"TESTING": True, "DATA_DIR": data, "CACHE_DIR": cache})
        client = app.test_client()
        with open(args.case / "audio.mp3", "rb") as audio:
            body = client.post(
                "/api/episodes",
                data={"audio": audio, "transcript_text": "\n\n".join(corrupted_text)},
            ).json
        huey = jobs_of(app).huey
        began = time.perf_counter()
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
        aligned_in = time.perf_counter() - began
        episode = client.get(body["url"]).json
        assert episode["status"] == "done", episode["error"]

        seconds, fixed_errors, turn_errors = [], [], []
        for index, chosen in misheard.items():
            revision = client.get(body["url"]).json["revision"]
            began = time.perf_counter()
            response = client.patch(
                f"{body['url']}/turns/{index}",
                json={"revision": revision, "text": transcript.turns[index].text},
            )
            seconds.append(time.perf_counter() - began)
            assert response.status_code == 200, response.json
            words = response.json["words"]
            for k, (word, true_word) in enumerate(zip(words, truth[index]["words"], strict=True)):
                if true_word["start"] is None or word["start"] is None:
                    continue
                error = abs(word["start"] - true_word["start"])
                turn_errors.append(error)
                if k in chosen:
                    fixed_errors.append(error)

    print(f"aligned the misheard transcript in {aligned_in:.1f} s")
    print(f"{len(seconds)} turns edited, {len(fixed_errors)} misheard words set right")
    print(
        f"server time per edit: first {seconds[0]:.3f} s,"
        f" median {statistics.median(seconds):.3f} s, max {max(seconds):.3f} s"
    )
    for name, errors in (("fixed words", fixed_errors), ("all words of edited turns", turn_errors)):
        print(
            f"word start error, {name}: median {statistics.median(errors):.3f} s,"
            f" p90 {_p90(errors):.3f} s, within 0.15 s"
            f" {sum(e <= 0.15 for e in errors) / len(errors):.0%} (n={len(errors)})"
        )


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


if __name__ == "__main__":
    main()
