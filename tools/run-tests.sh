#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds rnnc and runs every test (GoogleTest,
# lit, the reference-vs-PyTorch check) through ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup-debian.sh"
bash "$root/tools/build.sh"
cd "$root/build"
ctest --output-on-failure -j"${RNNC_JOBS:-2}"
