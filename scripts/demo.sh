#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), builds swiftgan (release) and trains a GAN on the
# bundled MNIST digits on 2 CPU threads (preset mnist-demo: seed 000's MLP GAN, 4,000 steps,
# a few minutes), with a progress bar. At the end `swiftgan train` prints the scores of
# 10,000 samples (evaluation classifier: classifier score, FID, KID, precision/recall, digits
# covered), and a grid of 64 generated digits is written. Extra arguments go to `swiftgan train`, e.g.
# --set train.steps=6000 or --preset seed-001-dcgan.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup.sh
swift build -c release --product swiftgan >&2
out="runs/demo-$(date +%Y%m%d-%H%M%S)"
export SWIFTGAN_THREADS="${SWIFTGAN_THREADS:-2}"
.build/release/swiftgan train --preset mnist-demo --out "$out" "$@"
.build/release/swiftgan sample "$out" --count 64 --out "$out/digits.png"
echo "digits: $out/digits.png; pictures during training: $out/samples/; log: $out/log.jsonl"
echo "demo took $(( $(date +%s) - start )) s (setup, build and training)"
