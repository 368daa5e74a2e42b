#!/usr/bin/env bash
# Builds rnnc's libFuzzer targets (clang-19, ASan + UBSan, in build-fuzz) and
# runs each for SECONDS (default 60) on a working copy of its seed corpus
# (test/fuzz/corpus/<name>). Fails on any finding; crashing inputs are kept in
# build-fuzz/findings/. RNNC_FUZZ_SEED fixes libFuzzer's seed and bounds each
# run by a number of inputs as well (seeded_runs below, about 30 s each on
# 2 cores), so that a faster machine does not explore further than a run here
# did. Even so a seeded run is not exactly repeatable (libFuzzer keeps inputs
# by coverage, which varies between runs of the same binary): explore long
# before landing importer changes. Unset, each run explores anew. See
# docs/security.md.
#   bash tools/fuzz.sh [SECONDS] [onnx|onnx-graphs|keras|mlir|npy|runtime ...]  (default: all)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-60}"
shift || true
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(onnx onnx-graphs keras mlir npy runtime)
# Inputs per seeded run: about 30 s each on the 2-core machine CI resembles.
declare -A seeded_runs=([onnx]=1000000 [onnx-graphs]=100 [keras]=800 [mlir]=800000 [npy]=150000 [runtime]=600000)
build="$root/build-fuzz"
mkdir -p "$build"
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g"

bash "$root/tools/setup-debian.sh"
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "${launcher[@]}" \
  -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
  -DRNNC_ENABLE_FUZZERS=ON -DRNNC_ENABLE_HALIDE=OFF > "$build/configure.log" \
  || { cat "$build/configure.log"; exit 1; }
targets=()
for name in "${names[@]}"; do targets+=("rnnc-fuzz-$name"); done
ninja -C "$build" -j"${RNNC_JOBS:-2}" "${targets[@]}"

mkdir -p "$build/findings"
status=0
for name in "${names[@]}"; do
  corpus="$build/corpus/$name"
  # A seeded run starts from the checked-in corpus alone, to be reproducible.
  [ -n "${RNNC_FUZZ_SEED:-}" ] && rm -rf "$corpus"
  mkdir -p "$corpus"
  cp -n "$root/test/fuzz/corpus/$name/"* "$corpus/" 2> /dev/null || true
  echo "fuzz: $name for ${seconds} s"
  # The compiler-side targets share one MLIR context per process and protobuf
  # keeps process-lifetime allocations: leaks count only for the C runtime.
  # LLVM's BumpPtrAllocator poisons new slabs from instrumented inline code
  # while libMLIR.so (not instrumented) allocates from them without unpoisoning:
  # manual poisoning is off for those targets (malloc'd memory stays checked).
  asan=detect_leaks=1
  limits=()
  case "$name" in onnx|onnx-graphs|keras|mlir) asan=detect_leaks=0:allow_user_poisoning=0 ;; esac
  # libhdf5 (not instrumented) allocates what a corrupt file claims (petabytes)
  # and handles the failure, as with glibc's malloc: let the allocation fail
  # the same way here rather than count it as a finding.
  if [ "$name" = keras ]; then
    asan=$asan:allocator_may_return_null=1
    limits=(-malloc_limit_mb=1000000000)
  fi
  seed=()
  [ -n "${RNNC_FUZZ_SEED:-}" ] && seed=(-seed="$RNNC_FUZZ_SEED" -runs="${seeded_runs[$name]}")
  if ! ASAN_OPTIONS=$asan UBSAN_OPTIONS=print_stacktrace=1 \
      "$build/test/fuzz/rnnc-fuzz-$name" "${seed[@]}" "${limits[@]}" -max_total_time="$seconds" -timeout=20 \
      -rss_limit_mb=4096 -print_final_stats=1 -artifact_prefix="$build/findings/$name-" \
      "$corpus" 2> "$build/fuzz-$name.log"; then
    echo "fuzz: $name FOUND A PROBLEM (input and log: $build/findings, $build/fuzz-$name.log)"
    tail -40 "$build/fuzz-$name.log"
    status=1
  elif [ "$name" = keras ]; then
    # libhdf5 runs in child processes (docs/keras.md): libFuzzer's crash
    # handler, inherited, saves the inputs that crash a child, which the
    # reader survives by design. Not findings when the run passed.
    rm -f "$build/findings/keras-"*
  fi
  grep -E "stat::number_of_executed_units|stat::new_units_added" "$build/fuzz-$name.log" \
    | sed "s/^/fuzz: $name /"
done
exit $status
