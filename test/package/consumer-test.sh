#!/usr/bin/env bash
# Installs the build into a fresh prefix, then configures, builds and runs
# examples/consumer against it: find_package(rnnc) + rnnc_add_model, and the
# pkg-config files of the runtime and the JIT; then the same from the build
# tree itself, before any install.
#   consumer-test.sh SOURCE_DIR BUILD_DIR WORK_DIR
set -euo pipefail
src="$1" build="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -x "$prefix/bin/rnnc"
test -f "$prefix/lib/librnnrt.a" && test -f "$prefix/lib/librnnrt.so"
test -f "$prefix/include/rnnrt/model.h" && test -f "$prefix/include/rnnc/rnnc.h"
# The installed Python module finds librnnc_jit beside it (RPATH), with no
# environment but the module's directory (a sanitizer build's module needs the
# sanitizer's runtime preloaded: test/python checks that build in the tree).
if [ -z "${RNNC_TEST_LINK_FLAGS:-}" ]; then
  module_dir=$(ls -d "$prefix"/lib/python3*/dist-packages)
  PYTHONPATH="$module_dir" /usr/bin/python3 -c "
import rnnc
m = rnnc.load('$src/examples/lstm/model.mlir', batch=1)
assert m.inputs and m.outputs, m
" 
fi

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
  LD_LIBRARY_PATH="$prefix/lib" "$work/version" | grep -q "rnnrt ABI 8"
  pkg-config --variable=openmp_libs rnnrt | grep -q -- "-lomp"

  # The JIT library through its pkg-config file, found through the program's
  # RUNPATH alone: librnnc_jit.so finds librnnrt.so beside it ($ORIGIN).
  cat > "$work/jit.c" <<'C'
#include <stdio.h>
#include "rnnc/rnnc_jit.h"
int main(int argc, char **argv) {
  rnnc_jit_options_t options;
  rnnc_jit_options_initialize(&options);
  rnnc_jit_model_t *model = NULL;
  char message[256];
  if (argc < 2 || rnnc_jit_compile_file(argv[1], &options, &model, message, sizeof message)) {
    fprintf(stderr, "jit: %s\n", argc < 2 ? "no model" : message);
    return 1;
  }
  printf("jit: %s has %u inputs\n", rnnc_jit_model_descriptor(model)->name,
         rnnc_jit_model_descriptor(model)->num_inputs);
  rnnc_jit_model_release(model);
  return 0;
}
C
  # A sanitized librnnc_jit.so (C++, UBSan's vptr checks) needs the C++ half
  # of the sanitizer runtime, which a C link leaves out.
  # shellcheck disable=SC2046
  "$cc" $flags ${flags:+-fsanitize-link-c++-runtime} "$work/jit.c" -o "$work/jit" \
    $(pkg-config --cflags --libs rnnc_jit) ${flags:+-lstdc++} -Wl,-rpath,"$prefix/lib"
  env -u LD_LIBRARY_PATH "$work/jit" "$src/examples/lstm/model.mlir" | grep -q "jit: model has 6 inputs"
  echo "pkg-config: ok"

  # The build tree as a package: pkg-config and find_package(rnnc) read it
  # where it was built, before any install.
  PKG_CONFIG_PATH="$build" "$cc" $flags "$work/version.c" -o "$work/version-build" \
    $(PKG_CONFIG_PATH="$build" pkg-config --cflags --libs rnnrt)
  LD_LIBRARY_PATH="$build/runtime" "$work/version-build" | grep -q "rnnrt ABI 8"
fi
cmake -S "$src/examples/consumer" -B "$work/build-tree" -G Ninja -Drnnc_DIR="$build" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="$flags" > "$work/configure-build-tree.log"
cmake --build "$work/build-tree" > "$work/build-tree.log"
"$work/build-tree/consumer" | grep -q "consumer: lstm_example on x86-64-v3, outputs"
echo "build tree: ok"
