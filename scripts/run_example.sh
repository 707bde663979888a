#!/usr/bin/env bash
# Set up, run test mode on a bundled example, validate the output and print its summary.
# Usage: scripts/run_example.sh [EXAMPLE]   (default: jsonl-steps; one of the directories in examples/)
set -euo pipefail
cd "$(dirname "$0")/.."
example=${1:-jsonl-steps}
if [ ! -d "examples/$example/inputs" ]; then
    echo "run_example: no example named '$example' (have: $(ls examples | tr '\n' ' '))" >&2
    exit 2
fi
scripts/setup.sh
out="out/$example"
args=(run --inputs "examples/$example/inputs" --outputs "$out")
if [ -f "examples/$example/metrics.toml" ]; then args+=(--config "examples/$example/metrics.toml"); fi
.venv/bin/metrics-build "${args[@]}"
.venv/bin/metrics-build validate "$out/metrics.binproto"
.venv/bin/metrics-build inspect "$out/metrics.binproto"
