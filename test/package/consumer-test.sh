#!/usr/bin/env bash
# Installs the build into a fresh prefix, then configures, builds and runs
# examples/consumer against it: find_package(rnnc) + rnnc_add_model, and the
# pkg-config file of the runtime.
#   consumer-test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
src="$1" build="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -x "$prefix/bin/rnnc"
test -f "$prefix/lib/librnnrt.a" && test -f "$prefix/lib/librnnrt.so"
test -f "$prefix/include/rnnrt/model.h" && test -f "$prefix/include/rnnc/rnnc.h"

# CC and RNNC_TEST_LINK_FLAGS: the build's compiler and, in a sanitizer build,
# its flags (test/CMakeLists.txt).
cc="${CC:-cc}"
flags="${RNNC_TEST_LINK_FLAGS:-}"
cmake -S "$src/examples/consumer" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
"$work/build/consumer" | tee "$work/consumer.out"
grep -q "consumer: lstm_example on x86-64-v3, outputs" "$work/consumer.out"

# The pkg-config file compiles and links a program against the installed runtime.
if command -v pkg-config > /dev/null; then
  export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
  cat > "$work/version.c" <<'C'
#include <stdio.h>
#include "rnnrt/rnnrt.h"
int main(void) { printf("rnnrt ABI %u\n", rnnrt_abi_version()); return 0; }
C
  # shellcheck disable=SC2046
  "$cc" $flags "$work/version.c" -o "$work/version" $(pkg-config --cflags --libs rnnrt)
  LD_LIBRARY_PATH="$prefix/lib" "$work/version" | grep -q "rnnrt ABI 5"
  echo "pkg-config: ok"
fi
