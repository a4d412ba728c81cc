#!/usr/bin/env bash
# Data-parallel benchmark on Open MPI: W3 (the seed-001 DCGAN, global batch 64) steps/s in one
# process without MPI, and under mpirun on 1 and 2 ranks (one thread each; 2 ranks also with
# synchronized batch norm), alternately for ROUNDS rounds (the machine is shared and its speed
# drifts); then the all-reduce's cost at the gradient sizes. Prints every RESULT line.
#
# usage: scripts/bench-mpi.sh [--rounds N] [--steps S]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=3; steps=10
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --steps) steps="$2"; shift 2 ;;
        -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
        *) echo "bench-mpi: unknown option $1" >&2; exit 2 ;;
    esac
done
bash scripts/setup.sh
bash scripts/setup-mpi.sh
swift build -c release --traits MPI --scratch-path .build-mpi --product swiftgan-mpi-bench >&2
bin=.build-mpi/release/swiftgan-mpi-bench
mpi() { local n=$1; shift; mpirun --allow-run-as-root --oversubscribe --bind-to core -np "$n" "$bin" "$@"; }
export SWIFTGAN_THREADS=1
for r in $(seq 1 "$rounds"); do
    echo "round $r/$rounds" >&2
    "$bin" --steps "$steps" --repeats 0
    mpi 1 --steps "$steps" --repeats 0
    mpi 2 --steps "$steps" --repeats 0
    mpi 2 --steps "$steps" --repeats 0 --sync-bn
done
mpi 2 --steps 1 --warmup 0 --repeats 50
