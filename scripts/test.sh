#!/usr/bin/env bash
# Runs the whole test suite: unit, property, golden and end-to-end CLI tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
