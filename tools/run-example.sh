#!/usr/bin/env bash
# Sets up a fresh Debian machine, builds rnnc and runs the bundled LSTM example:
# compiles examples/lstm/model.mlir in-process, runs it on the .npy inputs beside
# it, prints the results and writes them to build/example-output/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/tools/setup-debian.sh"
bash "$root/tools/build.sh" rnnc
rm -rf "$root/build/example-output"
"$root/build/bin/rnnc" run "$root/examples/lstm/model.mlir" \
  --inputs-dir "$root/examples/lstm" --output-dir "$root/build/example-output"
/usr/bin/python3 "$root/test/e2e/compare_npy.py" \
  "$root/examples/lstm/expected" "$root/build/example-output"
