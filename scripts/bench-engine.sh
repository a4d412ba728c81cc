#!/usr/bin/env bash
# Engine benchmarks, SwiftGAN next to PyTorch (CPU) in one session: builds swiftgan-bench in
# release, sets up PyTorch in .venv if it is missing (pip, "torch==2.13.0+cpu"), then runs the
# two alternately for ROUNDS rounds (the machine's speed drifts; interleaving and medians
# keep the comparison fair) and prints each case's medians and the speed-up.
#
# usage: scripts/bench-engine.sh [--rounds N] [--threads N] [--no-torch] [GROUP ...]
#   groups: matmul conv elementwise overhead (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3; threads=2; torch=1; groups=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --no-torch) torch=0; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) groups+=("$1"); shift ;;
    esac
done
bash scripts/setup.sh
swift build -c release --product swiftgan-bench >&2
out=.build/bench-engine; mkdir -p "$out"; : > "$out/swiftgan.txt"; : > "$out/torch.txt"
if [ "$torch" = 1 ] && ! .venv/bin/python -c "import torch" 2>/dev/null; then
    echo "bench-engine: installing PyTorch (CPU) into .venv" >&2
    python3 -m venv .venv && .venv/bin/pip install -q "torch==2.13.0+cpu" numpy || {
        echo "bench-engine: PyTorch could not be installed; running SwiftGAN alone" >&2; torch=0; }
fi
for r in $(seq 1 "$rounds"); do
    echo "round $r/$rounds: swiftgan" >&2
    .build/release/swiftgan-bench --threads "$threads" "${groups[@]}" | tee -a "$out/swiftgan.txt"
    if [ "$torch" = 1 ]; then
        echo "round $r/$rounds: pytorch" >&2
        .venv/bin/python Benchmarks/torch_engine.py --threads "$threads" "${groups[@]}" | tee -a "$out/torch.txt"
    fi
done
[ "$torch" = 1 ] && python3 Benchmarks/compare.py "$out/swiftgan.txt" "$out/torch.txt"
exit 0
