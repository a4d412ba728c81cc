#!/usr/bin/env bash
# Installs what SwiftGAN needs to build on a fresh Debian/Ubuntu machine: OpenBLAS (matrix
# products), zlib and libpng headers, pkg-config. Does nothing when they are already there.
set -euo pipefail
need=()
[ -f /usr/include/x86_64-linux-gnu/cblas.h ] || [ -f /usr/include/cblas.h ] || \
    pkg-config --exists openblas 2>/dev/null || need+=(libopenblas-dev)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)
[ -f /usr/include/png.h ] || need+=(libpng-dev)
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install setup ${need[@]+"${need[@]}"}
command -v swift >/dev/null 2>&1 || { echo "setup: swift is not on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }
