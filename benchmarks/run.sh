#!/usr/bin/env bash
# Reproduce the README's accuracy and speed figures with the shared benchmark.
# Usage: benchmarks/run.sh [case ...]   (default: every case in ../shared/bench/cases)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="${PODALIGN_BENCH:-$here/../../shared/bench}"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
if [ $# -eq 0 ]; then set -- "$bench"/cases/*; fi
outputs="$here/.outputs"
mkdir -p "$outputs"
# A fresh cache dir per run: every case pays for its full recognition pass. Each case's
# output is kept as .outputs/<case>.json for benchmarks/calibration.py.
python3 "$bench/score.py" \
    --cmd "podalign align {audio} {transcript} -o {out} --quiet --cache-dir $cache \
           && cp {out} $outputs/\$(basename \$(dirname {transcript})).json" \
    --json "$here/results.json" "$@"
python3 "$here/calibration.py" "$outputs" "$@" > "$here/calibration.md"
