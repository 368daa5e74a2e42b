#!/usr/bin/env bash
# Configures and builds rnnc into build/ (Release, Ninja, -j2, ccache when present).
# Extra arguments are ninja targets (default: everything).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cmake -G Ninja -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release \
  -DPython3_EXECUTABLE=/usr/bin/python3 >/dev/null
ninja -C "$root/build" -j"${RNNC_JOBS:-2}" "$@"
