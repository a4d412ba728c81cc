#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh), builds swiftgan (release) and trains a WGAN-GP on
# the bundled 2-D ring of 8 Gaussians (PacGAN's benchmark), printing progress and how many
# modes the generator covers; pictures of the samples land in the run's samples/ folder.
# Extra arguments go to `swiftgan train`, e.g. --preset ring8 or --set train.steps=500.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product swiftgan >&2
out="runs/demo-$(date +%Y%m%d-%H%M%S)"
.build/release/swiftgan train --preset ring8-wgan-gp --out "$out" "$@"
echo "samples: $out/samples/ (PNG), log: $out/log.jsonl, checkpoint: $out/latest.safetensors"
