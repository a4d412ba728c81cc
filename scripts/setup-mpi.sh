#!/usr/bin/env bash
# Installs Open MPI for the MPI build of SwiftGAN (`swift build --traits MPI`): the headers
# and pkg-config file `ompi-c` (libopenmpi-dev) and `mpirun` (openmpi-bin). Does nothing when
# they are already there.
set -euo pipefail
need=()
pkg-config --exists ompi-c 2>/dev/null || need+=(libopenmpi-dev)
command -v mpirun >/dev/null 2>&1 || need+=(openmpi-bin)
. "$(dirname "${BASH_SOURCE[0]}")/apt-install.sh"
apt_install setup-mpi ${need[@]+"${need[@]}"}
