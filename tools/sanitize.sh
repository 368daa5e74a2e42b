#!/usr/bin/env bash
# Builds rnnc with a sanitizer (clang-19) in build-asan/ or build-tsan/ and
# runs the whole test suite (ctest: GoogleTest, lit, the PyTorch checks) under
# it. LLVM_USE_SANITIZER tells LLVM's CMake (HandleLLVMOptions) not to link
# shared libraries with -z defs: their sanitizer calls resolve in the program.
# See docs/security.md.
#   bash tools/sanitize.sh asan   # AddressSanitizer + UndefinedBehaviorSanitizer
#   bash tools/sanitize.sh tsan   # ThreadSanitizer
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kind="${1:-asan}"
case "$kind" in
  asan)
    llvm_sanitizer="Address;Undefined"
    # -fsanitize=function reads a signature word before every callee of an
    # indirect call: JIT-compiled kernels have none (and may start a page).
    flags="-fsanitize=address,undefined -fno-sanitize=function -fno-sanitize-recover=undefined"
    # libMLIR.so is not instrumented: see docs/security.md for why manual
    # poisoning is off; MLIR contexts and protobuf keep process-lifetime memory.
    export ASAN_OPTIONS="detect_leaks=0:allow_user_poisoning=0:abort_on_error=1"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  tsan)
    llvm_sanitizer="Thread"
    flags="-fsanitize=thread"
    # libomp is not instrumented: TSan cannot see its barriers (docs/security.md).
    # ignore_noninstrumented_modules: without it libomp prints a warning on
    # stderr in every process that starts a team, which the ONNX checks of the
    # GPU-on-host runs (OpenMP teams) count as a failure.
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:suppressions=$root/tools/tsan.supp"
    ;;
  *)
    echo "usage: sanitize.sh asan|tsan" >&2
    exit 2
    ;;
esac
build="$root/build-$kind"
bash "$root/tools/setup-debian.sh"
launcher=()
command -v ccache > /dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# No rnnc-cuda-bench: nvcc's host compiler (g++) takes none of clang's
# sanitizer flags, and a sanitized build has no GPU to run it on.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 "${launcher[@]}" \
  -DCMAKE_C_FLAGS="$flags -fno-omit-frame-pointer" -DCMAKE_CXX_FLAGS="$flags -fno-omit-frame-pointer" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" \
  -DLLVM_USE_SANITIZER="$llvm_sanitizer" -DRNNC_TEST_LINK_FLAGS="$flags" \
  -DPython3_EXECUTABLE=/usr/bin/python3 \
  -DRNNC_CUDA_BENCH=OFF \
  > "$build.configure.log" \
  || { cat "$build.configure.log"; exit 1; }
ninja -C "$build" -j"${RNNC_JOBS:-2}"
cd "$build"
ctest --output-on-failure -j"${RNNC_JOBS:-2}"
