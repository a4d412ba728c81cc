#!/usr/bin/env bash
# SwiftGAN next to PyTorch (CPU) on the workloads of BENCHMARKS.md, in one session: sets the
# machine up (scripts/setup.sh), installs PyTorch into .venv when it is missing (pip; the
# CPU wheel "torch==2.13.0+cpu"), builds in release, then for 1 and 2 threads runs the SGEMM
# peak and each workload in SwiftGAN and in PyTorch (Benchmarks/peers/) alternately, ROUNDS
# times, and prints a table: steps/s, the ratio, GFLOP/s as % of the SGEMM peak, peak RSS.
#
# usage: scripts/bench.sh [--rounds N] [--threads 1,2] [--workloads a,b] [--scale F] [--conv]
#   workloads: gmm2d mnist_mlp_wgangp dcgan_mnist dcgan_mnist@256 (default: all)
#   --scale F  multiply each run's timed steps (default 1: a few seconds per run)
#   --conv     also time the DCGAN conv layers (fwd + bwd) as % of the SGEMM peak
# The full log (every command and its output) is in .build/bench/log.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then sed -n '2,12p' "$0"; exit 0; fi
bash scripts/setup.sh
python="${SWIFTGAN_TORCH_PYTHON:-.venv/bin/python}"
if ! "$python" -c "import torch, numpy" 2>/dev/null; then
    echo "bench: installing PyTorch (CPU) into .venv" >&2
    python3 -m venv .venv
    .venv/bin/pip install -q "torch==2.13.0+cpu" numpy
    python=.venv/bin/python
fi
swift build -c release --product swiftgan >&2
swift build -c release --product swiftgan-bench >&2
bin="$(swift build -c release --show-bin-path)"
mkdir -p .build/bench
exec "$python" Benchmarks/bench.py --swiftgan "$bin/swiftgan" --swiftgan-bench "$bin/swiftgan-bench" \
    --python "$python" --log .build/bench/log.txt "$@"
