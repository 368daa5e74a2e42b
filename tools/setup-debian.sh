#!/usr/bin/env bash
# Installs every Debian package rnnc's build and tests need (run as root).
# Quick when everything is already there.
set -euo pipefail

packages=(
  cmake ninja-build build-essential ccache
  llvm-19-dev libmlir-19-dev mlir-19-tools  # MLIR 19; libmlir-19-dev needs the other two
  libgtest-dev                              # GoogleTest
  libonnx-dev libprotobuf-dev python3-onnx  # ONNX import and its test models
  libhdf5-dev libzip-dev python3-h5py       # Keras .keras/.h5 files and their test models
  python3-dev pybind11-dev python3-pytest   # the Python module and its tests
  python3 python3-numpy python3-torch       # lit, .npy helpers, PyTorch reference values
  pkg-config                                # checks the installed rnnrt.pc
  libdnnl-dev                               # oneDNN, the peer in bench/
  libomp-19-dev                             # OpenMP runtime of multi-threaded kernels
  libhalide14-0-dev                         # Halide 14: the input projection generator
  clang-19 libclang-rt-19-dev               # libFuzzer and the sanitizers (tools/fuzz.sh)
)

# Node and npm run the tfjs-layers reference of the Keras tests; any Node >= 18
# will do (a NodeSource one is kept: Debian's npm would conflict with it).
command -v node > /dev/null && command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}"
