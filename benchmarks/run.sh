#!/usr/bin/env bash
# Reproduce the README's accuracy and speed figures with the shared benchmark.
# Usage: benchmarks/run.sh [case ...]   (default: every case in ../shared/bench/cases)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="${PODALIGN_BENCH:-$here/../../shared/bench}"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
if [ $# -eq 0 ]; then set -- "$bench"/cases/*; fi
# A fresh cache dir per run: every case pays for its full recognition pass.
python3 "$bench/score.py" \
    --cmd "podalign align {audio} {transcript} -o {out} --quiet --cache-dir $cache" \
    --json "$here/results.json" "$@"
