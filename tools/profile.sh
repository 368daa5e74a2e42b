#!/usr/bin/env bash
# Profiles rnnc's JIT-compiled kernels with perf: runs PROGRAM (rnnc bench or
# rnnc-bench, given --perf-jitdump) under `perf record -k 1` (the cpu-clock
# event: VMs often have no hardware counters) and merges the jitdumps with
# `perf inject --jit`, so that the kernels' functions have names:
# <name>_<function>, with threads > 1 also its OpenMP regions
# <name>_<function>..omp_par[.N] (the hoisted input projection, the time
# loop's team). oneDNN's kernels in rnnc-bench are named too (DNNL_JIT_PROFILE).
# Prints the share of samples per function, then each JIT'ed function's
# samples by innermost loop (tools/perf_loops.py: the matmuls' k loops,
# threads waiting at a spinning barrier). Keeps perf.data and perf.jit.data in
# OUT_DIR for `perf annotate -i OUT_DIR/perf.jit.data`.
#   bash tools/profile.sh OUT_DIR build/bin/rnnc bench --perf-jitdump MODEL [options]
#   bash tools/profile.sh OUT_DIR build/bin/rnnc-bench --perf-jitdump --filter 'LSTM H=256 B=1$'
# Installs perf (linux-perf) if missing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ $# -lt 2 ]; then
  echo "usage: $0 OUT_DIR PROGRAM [ARGS...]" >&2
  exit 2
fi
out="$1"
shift
if ! command -v perf > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-perf > /dev/null
fi
rm -rf "$out"
mkdir -p "$out"
JITDUMPDIR="$out" DNNL_JIT_PROFILE=4 perf record -q -k 1 -e cpu-clock -F 10000 \
  -o "$out/perf.data" "$@"
perf inject --jit -i "$out/perf.data" -o "$out/perf.jit.data" > /dev/null

echo "== samples per function"
perf report -q -i "$out/perf.jit.data" --stdio --sort sym --percent-limit 0.5 2> /dev/null |
  grep -v '^$' | tee "$out/functions.txt"

# rnnc's functions are the ones its jitdumps name (oneDNN's dumps are the
# jit-<pid>.dump files with "jit_" names).
names="$out/jit-functions.txt"
find "$out" -name 'jit-*.dump' -exec strings {} + | grep -v '^jit_' | sort -u > "$names"
awk 'NR == FNR { jit[$0] = 1; next } $NF in jit { print $1, $NF }' "$names" "$out/functions.txt" |
  while read -r share symbol; do
    echo
    echo "== $symbol ($share of all samples) by innermost loop"
    perf annotate -q -i "$out/perf.jit.data" --stdio -s "$symbol" 2> /dev/null |
      /usr/bin/python3 "$root/tools/perf_loops.py"
  done
