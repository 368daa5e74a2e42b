#!/usr/bin/env bash
# Regenerates the golden files of the tests after an intended change:
#   bash tools/update-goldens.sh [BUILD_DIR]
# Review the diff before committing it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
"$build/bin/rnnc" compile "$root/examples/lstm/model.mlir" --emit=header --name lstm_example \
  --cpu x86-64-v4 -o "$root/test/Target/CHeader/Inputs/lstm_example.h"
git -C "$root" diff --stat -- test/Target/CHeader/Inputs
"$build/examples/mgu_model" > "$root/examples/custom/mgu.mlir"
git -C "$root" diff --stat -- examples/custom/mgu.mlir
