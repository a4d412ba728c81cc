#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs the built-in example: a 2-layer MLP
# fitted by the engine's own gradients, printing its loss as it falls.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift run -c release fit-mlp "$@"
