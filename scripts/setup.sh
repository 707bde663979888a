#!/usr/bin/env bash
# Create (or reuse) the project virtualenv in .venv and install metrics-build into it.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test   (installs '.[test]')
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: Python >= 3.11 is required (found $("$python" --version 2>&1)); set PYTHON=..." >&2
    exit 2
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
spec="."
if [ -n "${1:-}" ]; then spec=".[$1]"; fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e "$spec"
