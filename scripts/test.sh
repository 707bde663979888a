#!/usr/bin/env bash
# Set up everything the test suite needs, then run lint, type checks and the whole test suite.
# Extra arguments go to pytest (e.g. scripts/test.sh -k writer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
# Container tests build a Debian base with debootstrap when no base image exists (no registry here).
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 && ! command -v debootstrap >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
    else
        echo "test: debootstrap missing and not root; container tests may skip" >&2
    fi
fi
# The view's browser tests drive a headless Chromium (Debian's package); they skip, saying so, without one.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
        && [ -z "${METRICS_BUILD_CHROMIUM:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        export DEBIAN_FRONTEND=noninteractive
        { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
            || echo "test: could not install chromium; the browser tests will skip" >&2
    else
        echo "test: chromium missing and not root (or no apt-get); the browser tests will skip" >&2
    fi
fi
.venv/bin/ruff check .
.venv/bin/mypy
.venv/bin/lint-imports --no-cache
.venv/bin/python -m pytest "$@"
