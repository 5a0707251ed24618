#!/usr/bin/env bash
# Reproduce the README's accuracy and speed figures with the shared benchmark and the
# made-up shows of benchmarks/cases.
# Usage: benchmarks/run.sh [case ...]
#   default: every case in ../shared/bench/cases, then every show of benchmarks/cases built
#   into $PODALIGN_CASES (default benchmarks/.cases, built first by build_cases.sh when
#   missing or out of date).
# Prints per-case and overall figures and keeps them in benchmarks/results.json; the
# aligner's output per case goes to benchmarks/.outputs/<case>.json for worst_turns.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bench="${PODALIGN_BENCH:-$here/../../shared/bench}"
built="${PODALIGN_CASES:-$here/.cases}"
outputs="$here/.outputs"
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
if [ $# -eq 0 ]; then
    "$here/build_cases.sh" "$built"
    set -- "$bench"/cases/* "$built"/*/
fi
mkdir -p "$outputs"
# A fresh cache dir per run: every case pays for its full recognition pass.
python3 "$bench/score.py" \
    --cmd "podalign align {audio} {transcript} -o {out} --quiet --cache-dir $cache \
           && cp {out} $outputs/\$(basename \$(dirname {transcript})).json" \
    --json "$here/results.json" "$@"
python3 "$here/calibration.py" "$outputs" "$@" > "$here/calibration.md"
