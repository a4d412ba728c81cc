#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs the whole test suite in release mode
# (numeric code is ~500x slower in debug builds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Python's safetensors reads a file SwiftGAN writes in the interop test: install it into a
# venv under .build (numpy comes from the system when present). Offline, the test is skipped.
if [ -z "${SWIFTGAN_PYTHON:-}" ]; then
    venv=.build/interop-venv
    if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import safetensors, numpy" 2>/dev/null; then
        python3 -m venv --system-site-packages "$venv" >/dev/null 2>&1 &&
            "$venv/bin/pip" install -q safetensors numpy >/dev/null 2>&1 ||
            echo "test: could not install Python safetensors; the Python interop test will be skipped" >&2
    fi
    if "$venv/bin/python" -c "import safetensors, numpy" 2>/dev/null; then
        export SWIFTGAN_PYTHON="$PWD/$venv/bin/python"
    fi
fi
# One release build serves the suite and the Open MPI tests: it has the MPI trait (Open MPI is
# installed when missing). SWIFTGAN_SKIP_MPI=1 builds without it and skips the mpirun tests.
traits=()
if [ "${SWIFTGAN_SKIP_MPI:-0}" != 1 ]; then
    if bash scripts/setup-mpi.sh; then traits=(--traits MPI); else
        echo "test: Open MPI could not be installed; building without MPI and skipping the mpirun tests" >&2
        export SWIFTGAN_SKIP_MPI=1
    fi
fi
swift build -c release --build-tests "${traits[@]}"
swift test -c release --skip-build "${traits[@]}" "$@"
# The convolutions' hand-written AVX-512 kernels fall back to portable loops on other CPUs:
# the same tests again with the fallbacks forced (on a CPU without AVX-512 this repeats them).
if [ $# -eq 0 ]; then
    SWIFTGAN_PORTABLE_KERNELS=1 swift test -c release --skip-build "${traits[@]}" --filter Convolution
fi
# Data-parallel training on Open MPI under mpirun, with the binary built above.
[ "${SWIFTGAN_SKIP_MPI:-0}" = 1 ] || SWIFTGAN_MPI_BIN="$PWD/.build/release/swiftgan" bash scripts/test-mpi.sh
