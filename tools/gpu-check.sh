#!/usr/bin/env bash
# rnnc's CUDA target on a GPU (issue #27, docs/cuda.md), in two halves:
#
#   bash tools/gpu-check.sh prepare   here: build, the checks that need no GPU,
#                                     and .gpu-bundle/ for the GPU machine
#   bash tools/gpu-check.sh run       on the GPU machine, from the root of a
#                                     copy of this tree that holds .gpu-bundle/
#
# The GPU machine (the `device` tool's H200) reaches no package registry and
# has no LLVM: it has the CUDA toolkit, cuDNN (Python's nvidia-cudnn), a C
# compiler and python3 with numpy and onnx. So `prepare` builds here what
# needs LLVM/MLIR (rnnc, rnnc-cuda-tests, rnnc-cuda-bench) and packs them with
# the shared libraries they load that such a machine may lack (libLLVM and
# libMLIR 19, protobuf, onnx, libedit, and stand-ins for libz3 and libxml2,
# which libLLVM loads but rnnc never calls), lit and FileCheck. `run` needs
# nothing else; it writes under $OUT (else gpu-check-out/): env.txt,
# steps.log, gtest.log, checks.log (lit, compute-sanitizer, ncu), compile.log,
# cuda-bench.txt, cuda-bench.csv and summary.md. Each step has a time limit, so a kernel that hangs (a grid
# barrier whose blocks are not all resident) costs that step, not the rest.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bundle="$root/.gpu-bundle"
# The models the benchmark compiles with other options, and the options.
variant_models="lstm_h256 lstm_h1024 gru_h1024"
variants="lanes1:--cuda-lanes=1 smem0:--cuda-shared-weight-bytes=0 perstep:--cuda-per-step"

# The benchmark's hidden sizes (fewer for a dry run of `run` without a GPU).
hidden_sizes="${GPU_CHECK_HIDDEN:-256,512,1024,2048}"
# A python3 with numpy and onnx (the GPU machine's first python3 has them).
python="${GPU_CHECK_PYTHON:-python3}"

seconds() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(seconds)" 'BEGIN { printf "%.1f", b - a }'; }

prepare() {
  set -e
  local start; start=$(seconds)
  bash "$root/tools/build.sh" rnnc rnnc-cuda-tests rnnc-cuda-bench fakecuda
  local built; built=$(seconds)
  local lit=/usr/lib/llvm-19/build/utils/lit/lit.py
  # What needs no GPU: PTX through ptxas, objects against the fake driver, the
  # runtime against it, the GPU tests compiling their kernels and skipping, and
  # the benchmark's models compiled and linked as it loads them.
  (cd "$root/build" && /usr/bin/python3 "$lit" -q test/Target/Cuda test/e2e/run-cuda-no-gpu.test \
    test/e2e/example-lstm-cuda.test)
  "$root/build/test/Unit/rnnc-cuda-tests" --gtest_brief=1
  local models; models=$(mktemp -d)
  /usr/bin/python3 "$root/bench/cuda_models.py" "$models" --hidden 64
  for model in lstm_h64 gru_h64; do
    "$root/build/bin/rnnc" compile "$models/$model.onnx" --target cuda:sm_90 -o "$models/$model.o"
    cc -shared "$models/$model.o" -o "$models/$model.so"
  done
  if "$root/build/bin/rnnc-cuda-bench" "$models/lstm_h64.so" "$models/gru_h64.so" 2>"$models/err"; then
    echo "rnnc-cuda-bench ran without a GPU" >&2
    exit 1
  fi
  grep -q "no CUDA device" "$models/err"
  rm -rf "$models"
  local checked; checked=$(seconds)

  rm -rf "$bundle"
  mkdir -p "$bundle/bin" "$bundle/lib"
  cp "$root/build/bin/rnnc" "$root/build/bin/rnnc-cuda-bench" \
    "$root/build/test/Unit/rnnc-cuda-tests" /usr/lib/llvm-19/bin/FileCheck \
    /usr/lib/llvm-19/bin/not /usr/lib/llvm-19/bin/count "$bundle/bin/"
  mkdir -p "$bundle/lit"
  cp -r /usr/lib/llvm-19/build/utils/lit/lit.py /usr/lib/llvm-19/build/utils/lit/lit "$bundle/lit/"
  local libs="$bundle/lib"
  cp -L /usr/lib/llvm-19/lib/libLLVM.so.19.1 /usr/lib/llvm-19/lib/libMLIR.so.19.1 "$libs/"
  local so
  for so in libprotobuf.so.32 libonnx_proto.so.1 libffi.so.8 libedit.so.2 libbsd.so.0 libmd.so.0; do
    cp -L "/lib/x86_64-linux-gnu/$so" "$libs/"
  done
  # Stand-ins: libLLVM binds functions lazily and calls neither library from
  # rnnc; libxml2's one data symbol and version nodes must exist.
  echo 'void rnnc_unused_libz3(void) {}' | cc -shared -fPIC -Wl,-soname,libz3.so.4 -x c - \
    -o "$libs/libz3.so.4"
  printf 'LIBXML2_2.4.30 { global: xmlFree; local: *; };\nLIBXML2_2.6.0 { } LIBXML2_2.4.30;\n' \
    >"$libs/xml2.map"
  echo 'void *xmlFree;' | cc -shared -fPIC -Wl,-soname,libxml2.so.2 \
    -Wl,--version-script,"$libs/xml2.map" -x c - -o "$libs/libxml2.so.2"
  rm "$libs/xml2.map"
  tar -C "$bundle" -cf - lib | xz -T2 -6 >"$bundle/lib.tar.xz"
  rm -rf "$libs"
  # rnnc-cuda-tests reads the example model from this tree's path here.
  echo "$root" >"$bundle/source-root"
  echo "gpu-check prepare: build $(awk -v a="$start" -v b="$built" 'BEGIN { printf "%.0f", b - a }') s," \
    "checks without a GPU $(awk -v a="$built" -v b="$checked" 'BEGIN { printf "%.0f", b - a }') s," \
    "bundle $(since "$checked") s; .gpu-bundle is $(du -sm "$bundle" | cut -f1) MiB" \
    "(the device tool's run: carry [\".gpu-bundle\"])"
}

# run: one step, its output appended to a log, its time and status to steps.log.
step() {
  local name=$1 limit=$2 log=$3
  shift 3
  local start; start=$(seconds)
  echo "=== $name" >>"$log"
  timeout --kill-after=10 "$limit" "$@" >>"$log" 2>&1
  local status=$?
  echo "$name: exit $status, $(since "$start") s$([ $status = 124 ] && echo " (time limit ${limit} s)")" \
    | tee -a "$out/steps.log"
  return $status
}

library_dirs() {
  # cuDNN and cuBLAS: the toolkit's, else Python's nvidia packages'.
  local cuda=$1
  echo "$cuda/lib64"
  "$python" - <<'EOF' 2>/dev/null
import os
import nvidia
for base in nvidia.__path__:
    for name in sorted(os.listdir(base)):
        if os.path.isdir(os.path.join(base, name, "lib")):
            print(os.path.join(base, name, "lib"))
EOF
}

compile_models() {
  local models=$1 jobs=$2
  "$python" "$root/bench/cuda_models.py" "$models" --hidden "$hidden_sizes" || return 1
  local list="$models/compile.list"
  : >"$list"
  local onnx name model variant
  for onnx in "$models"/*.onnx; do
    name=$(basename "$onnx" .onnx)
    echo "$name $name" >>"$list"
    for model in $variant_models; do
      [ "$model" = "$name" ] || continue
      for variant in $variants; do
        echo "$name ${name}_${variant%%:*} ${variant#*:}" >>"$list"
      done
    done
  done
  # One rnnc per object, all at once; each linked as the benchmark loads it.
  # No state inputs or outputs: the peers start from zero and return only Y.
  local cc; cc=$(command -v cc || command -v gcc)
  RNNC_CC=$cc xargs -P "$jobs" -L 1 sh -c 'rnnc compile "$0/$1.onnx" --target cuda:sm_90 \
      --expose-state=false --name "$2" $3 -o "$0/$2.o" && "$RNNC_CC" -shared "$0/$2.o" -o "$0/$2.so" \
      && echo "compiled $2"' "$models" <"$list"
}

run() {
  out="${OUT:-$root/gpu-check-out}"
  mkdir -p "$out"
  : >"$out/steps.log"
  [ -f "$bundle/lib.tar.xz" ] || { echo "no $bundle: run 'tools/gpu-check.sh prepare' first" >&2; return 2; }
  local cuda="${CUDA_HOME:-/usr/local/cuda}"
  local work; work=$(mktemp -d /tmp/rnnc-gpu.XXXXXX)
  local jobs; jobs=$(nproc)
  {
    date -u
    nvidia-smi 2>&1
    "$cuda/bin/nvcc" --version 2>&1 | tail -2
    "$python" -c "import sys, numpy, onnx; print(sys.version.split()[0], 'numpy', numpy.__version__, 'onnx', onnx.__version__)"
    cat /etc/os-release 2>/dev/null | head -2
  } >"$out/env.txt" 2>&1
  "$python" -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall(sys.argv[2])" \
    "$bundle/lib.tar.xz" "$work" || return 1
  export LD_LIBRARY_PATH="$work/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export PATH="$bundle/bin:$cuda/bin:$PATH" CUDA_HOME="$cuda"
  local source_root; source_root=$(cat "$bundle/source-root")
  if [ ! -e "$source_root" ]; then
    mkdir -p "$(dirname "$source_root")" && ln -s "$root" "$source_root"
  fi
  step "rnnc runs here" 60 "$out/steps.log" rnnc --version

  # The benchmark's objects compile on the CPUs while the GPU tests run.
  compile_models "$work/models" "$((jobs / 2))" >"$out/compile.log" 2>&1 &
  local compiling=$!

  # CudaGpu: random models JIT-compiled (sm_80: the driver compiles the PTX)
  # and run against the scalar reference; 8 shards at once.
  local shard pids=()
  for shard in 0 1 2 3 4 5 6 7; do
    GTEST_TOTAL_SHARDS=8 GTEST_SHARD_INDEX=$shard timeout --kill-after=10 150 \
      rnnc-cuda-tests --gtest_filter='*CudaGpu*' >"$work/gtest.$shard.log" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for shard in 0 1 2 3 4 5 6 7; do
    wait "${pids[$shard]}" || failed=1
    cat "$work/gtest.$shard.log" >>"$out/gtest.log"
  done
  echo "CudaGpu tests: $(grep -c '^\[       OK \]' "$out/gtest.log") passed," \
    "$(grep -c '^\[  FAILED  \] .*CudaGpu.*(' "$out/gtest.log") failed," \
    "$(grep -c '^\[  SKIPPED \] .*CudaGpu.*(' "$out/gtest.log") skipped$([ $failed = 1 ] && echo ' (a shard failed)')" \
    | tee -a "$out/steps.log"

  # The bundled example through `rnnc run --target cuda`, against PyTorch's
  # outputs (lit, this tree's test and a site configuration for this machine).
  mkdir -p "$work/test"
  cat >"$work/test/lit.site.cfg.py" <<EOF
import lit.llvm
config.llvm_tools_dir = "$bundle/bin"
config.python_executable = "$(command -v "$python")"
config.rnnc_obj_root = "$work"
config.rnnc_src_root = "$root"
config.rnnc_tools_dir = "$bundle/bin"
config.rnnc_c_compiler = "cc"
config.rnnc_cxx_compiler = "c++"
config.rnnc_examples_dir = "$work/examples"
config.rnnc_enable_halide = "OFF"
config.llvm_use_sanitizer = ""
lit.llvm.initialize(lit_config, config)
lit_config.load_config(config, "$root/test/lit.cfg.py")
EOF
  step "lit example-lstm-cuda" 120 "$out/checks.log" "$python" "$bundle/lit/lit.py" -v "$work/test" \
    --filter 'example-lstm-cuda'

  local waited; waited=$(seconds)
  wait "$compiling"
  echo "benchmark objects: $(grep -c '^compiled' "$out/compile.log") compiled, waited" \
    "$(since "$waited") s for them" | tee -a "$out/steps.log"
  local libs; libs=$(library_dirs "$cuda" | paste -sd:)
  : >"$out/cuda-bench.txt"
  local header=1 base
  for base in $(ls "$work/models" | sed -n 's/^\([a-z]*_h[0-9]*\)\.so$/\1/p' | sort -V); do
    # NVIDIA_TF32_OVERRIDE=0: float32 arithmetic in cuDNN and cuBLAS, as rnnc's.
    NVIDIA_TF32_OVERRIDE=0 LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$libs" step "rnnc-cuda-bench $base" 90 "$out/cuda-bench.txt" \
      rnnc-cuda-bench --csv "$work/$base.csv" "$work/models/$base.so" \
      $(ls "$work/models/${base}"_*.so 2>/dev/null)
    local status=$?
    if [ -f "$work/$base.csv" ]; then
      if [ $header = 1 ]; then head -1 "$work/$base.csv" >"$out/cuda-bench.csv"; header=0; fi
      tail -n +2 "$work/$base.csv" >>"$out/cuda-bench.csv"
    fi
    # A hung kernel would hang the next models' too: keep the time for a rerun.
    if [ $status = 124 ]; then
      echo "stopped the benchmark after a time limit" | tee -a "$out/steps.log"
      break
    fi
  done
  # Out-of-bounds device accesses of the example's kernels, persistent one
  # included (compute-sanitizer runs on some GPU machines only).
  if command -v compute-sanitizer >/dev/null; then
    step "compute-sanitizer memcheck of the example" 120 "$out/checks.log" compute-sanitizer \
      --tool memcheck --error-exitcode 3 rnnc run "$root/examples/lstm/model.mlir" --target cuda \
      --inputs-dir "$root/examples/lstm" --output-dir "$work/sanitized" --print-limit 0
  fi
  # Where the persistent kernel's time goes: Nsight Compute's full set for
  # its one launch in an H = 512 LSTM at B = 16 (hardware counters: some GPU
  # machines only).
  local ncu; ncu=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | tail -1)
  if [ -n "$ncu" ] && [ -f "$work/models/lstm_h512.so" ] &&
    rnnc compile "$work/models/lstm_h512.onnx" --target cuda:sm_90 --expose-state=false \
      --emit=ptx -o "$work/lstm_h512.ptx"; then
    # The persistent kernel is the one with the grid barrier's fence.
    local kernel; kernel=$(awk '/\.entry/ { name = $3; sub(/\(.*/, "", name) }
      /fence.acq_rel/ { print name; exit }' "$work/lstm_h512.ptx")
    LD_LIBRARY_PATH="$LD_LIBRARY_PATH:$libs" step "ncu of lstm_h512's $kernel, B = 16" 120 \
      "$out/checks.log" "$ncu" --clock-control none --set full -k "$kernel" -c 1 \
      rnnc-cuda-bench --batches 16 --repeats 1 "$work/models/lstm_h512.so"
  fi
  if [ -f "$out/cuda-bench.csv" ]; then
    "$python" "$root/bench/cuda_summary.py" "$out/cuda-bench.csv" >"$out/summary.md"
  fi
  {
    echo "# gpu-check $(date -u +%F)"
    echo
    sed 's/^/    /' "$out/steps.log"
  } >>"$out/summary.md"
}

case "${1:-}" in
prepare) prepare ;;
run) run ;;
*)
  echo "usage: tools/gpu-check.sh prepare|run" >&2
  exit 2
  ;;
esac
