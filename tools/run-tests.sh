#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds rnnc and runs every test (GoogleTest,
# lit, the reference-vs-PyTorch check) through ctest, then each fuzzer for about 30 s.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup-debian.sh"
bash "$root/tools/build.sh"
cd "$root/build"
ctest --output-on-failure -j"${RNNC_JOBS:-2}"
# A bounded run of each fuzzer (seed 1, a fixed number of inputs, at most
# 90 s; docs/security.md); exploring: bash tools/fuzz.sh 600.
RNNC_FUZZ_SEED="${RNNC_FUZZ_SEED:-1}" bash "$root/tools/fuzz.sh" "${RNNC_FUZZ_SECONDS:-90}"
# The ASan + UBSan build of the whole suite (docs/security.md) roughly doubles
# the time on a cold compiler cache, so it runs on request: RNNC_SANITIZE=1.
if [ "${RNNC_SANITIZE:-0}" = 1 ]; then
  bash "$root/tools/sanitize.sh" asan
fi
