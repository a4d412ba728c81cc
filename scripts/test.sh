#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs the whole test suite in release mode
# (numeric code is ~500x slower in debug builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --build-tests
swift test -c release --skip-build "$@"
