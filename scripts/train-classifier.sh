#!/usr/bin/env bash
# Reproduces the committed evaluation network, models/mnist-classifier.safetensors: builds
# swiftgan (release) and trains the small MNIST CNN on the bundled data (a few minutes on
# 2 cores), printing the test accuracy per epoch, then the test-set classifier score.
# The committed file was made with these settings on 2 threads; the same thread count
# gives the same minibatches and, on the same CPU kind, the same weights.
# An argument names another output file: bash scripts/train-classifier.sh /tmp/classifier.safetensors
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product swiftgan >&2
export SWIFTGAN_THREADS="${SWIFTGAN_THREADS:-2}"
out="${1:-models/mnist-classifier.safetensors}"
.build/release/swiftgan classifier train --epochs 10 --batch-size 64 --lr 0.001 --seed 0 --out "$out"
.build/release/swiftgan classifier test --weights "$out"
