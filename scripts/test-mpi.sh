#!/usr/bin/env bash
# Data-parallel training on Open MPI, end to end (scripts/test.sh runs it after the suite;
# SWIFTGAN_SKIP_MPI=1 skips it) with the binary it built (SWIFTGAN_MPI_BIN); run alone, it
# builds swiftgan with the MPI trait into .build-mpi. Then:
#   1. 2 ranks = 1 rank: final weights of `mpirun -np 2` equal `mpirun -np 1` (the same global
#      batch in one process), the ranks agree at every checkpoint, and the final scores
#      (samples generated in shards over the ranks) are the same;
#   2. the same with batch norm in G, synchronized over the ranks (train.sync_batchnorm);
#   3. a resumed 2-rank run equals an uninterrupted one;
#   4. a global batch that does not split over the ranks is refused with a clear error;
#   5. a rank killed mid-run ends the job with an error naming it, and the last checkpoint
#      still loads (eval) and resumes on 2 ranks.
set -euo pipefail
cd "$(dirname "$0")/.."
# scripts/test.sh passes the swiftgan it built with the MPI trait; run alone, this builds one.
bin="${SWIFTGAN_MPI_BIN:-}"
if [ -z "$bin" ]; then
    bash scripts/setup-mpi.sh
    swift build -c release --traits MPI --scratch-path .build-mpi --product swiftgan >&2
    bin="$PWD/.build-mpi/release/swiftgan"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SWIFTGAN_THREADS=1  # one core per rank
mpi() { local n=$1; shift; timeout 300 mpirun --allow-run-as-root --oversubscribe -np "$n" "$bin" "$@"; }
compare() { python3 scripts/compare-checkpoints.py "$1/latest.safetensors" "$2/latest.safetensors" --prefix generator. --prefix discriminator. "${@:3}"; }
# Every consistency check of a run's log reported identical parameters on all ranks.
agreed() {
    local checks bad
    checks=$(grep -c '"replica_max_difference"' "$1/log.jsonl" || true)
    bad=$(grep '"replica_max_difference"' "$1/log.jsonl" | grep -vEc '"replica_max_difference":0(\.0+)?[,}]' || true)
    echo "consistency checks in $1: $checks, with differences: $bad"
    [ "$checks" -gt 0 ] && [ "$bad" = 0 ]
}
failures=0
step() { echo; echo "== test-mpi: $*"; }
result() { if [ "$1" = 0 ]; then echo "-- passed"; else echo "-- FAILED"; failures=$((failures + 1)); fi; }
run=(--preset ring8 --set train.steps=30 --set train.log_every=10 --set train.checkpoint_every=10
     --set train.sample_every=15 --set game.batch_size=64 --set model.hidden=64)

step "1. two ranks train as one rank on the same global batch"
mpi 1 train "${run[@]}" --out "$tmp/one" >"$tmp/one.out"
mpi 2 train "${run[@]}" --out "$tmp/two" >"$tmp/two.out"
# The final scores come from samples generated in shards over the ranks and gathered.
score() { grep "^run " "$1" | sed 's/.*steps; //'; }
echo "scores: one rank: $(score "$tmp/one.out"); two ranks: $(score "$tmp/two.out")"
set +e; compare "$tmp/one" "$tmp/two" --tol 1e-5 && agreed "$tmp/two" && [ -n "$(score "$tmp/one.out")" ] &&
    [ "$(score "$tmp/one.out")" = "$(score "$tmp/two.out")" ] && [ "$(grep -c "^run " "$tmp/two.out")" = 1 ]; result $?; set -e

step "2. synchronized batch norm: two ranks train as one rank"
bn=("${run[@]}" --set model.g_norm=batch --set train.sync_batchnorm=true)
mpi 1 train "${bn[@]}" --out "$tmp/bn-one" >/dev/null
mpi 2 train "${bn[@]}" --out "$tmp/bn-two" >/dev/null
set +e; compare "$tmp/bn-one" "$tmp/bn-two" --tol 1e-5 && agreed "$tmp/bn-two"; result $?; set -e

step "3. a resumed two-rank run equals an uninterrupted one"
mpi 2 train "${run[@]}" --set train.steps=20 --out "$tmp/resumed" >/dev/null
mpi 2 resume "$tmp/resumed" --set train.steps=30 >/dev/null
set +e; compare "$tmp/two" "$tmp/resumed" --tol 0; result $?; set -e

step "4. a global batch that does not split evenly is refused"
set +e
out=$(mpi 2 train "${run[@]}" --set game.batch_size=63 --out "$tmp/uneven" 2>&1); code=$?
echo "$out" | grep "does not split evenly" | head -1
[ "$code" != 0 ] && [ "$code" != 124 ] && echo "$out" | grep -q "global batch size 63 does not split evenly over 2 ranks"
result $?; set -e

step "5. a rank killed mid-run stops the job; the last checkpoint loads"
set +e
mpi 2 train "${run[@]}" --set train.steps=1000000 --set train.checkpoint_every=20 --out "$tmp/killed" >"$tmp/killed.txt" 2>&1 &
job=$!
for _ in $(seq 1 600); do [ -f "$tmp/killed/latest.safetensors" ] && break; sleep 0.1; done
victim=""
for p in $(pgrep -f -- "$tmp/killed"); do
    if tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=1"; then victim=$p; fi
done
echo "killing rank 1 (pid ${victim:-none found})"
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"; code=$?
grep -m1 -i "rank 1" "$tmp/killed.txt"
ok=0
{ [ -n "$victim" ] && [ "$code" != 0 ] && [ "$code" != 124 ] && grep -qi "rank 1.*signal 9\|signal 9.*rank 1\|process rank 1" "$tmp/killed.txt"; } || ok=1
if [ $ok = 0 ]; then
    "$bin" eval "$tmp/killed" || ok=1
    at=$(grep -o '"step":[0-9]*' "$tmp/killed/log.jsonl" | tail -1 | cut -d: -f2)
    mpi 2 resume "$tmp/killed" --set "train.steps=$(( ${at:-0} + 30 ))" >/dev/null || ok=1
fi
result $ok; set -e

echo
if [ "$failures" = 0 ]; then echo "test-mpi: all 5 passed"; else echo "test-mpi: $failures of 5 FAILED"; exit 1; fi
