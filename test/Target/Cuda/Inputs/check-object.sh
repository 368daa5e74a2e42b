#!/usr/bin/env bash
# check-object.sh RNNC MODEL NAME WORKDIR CC SRC_ROOT OBJ_ROOT: compiles MODEL for
# sm_80 and sm_90, checks that the objects need no outside symbol, links each
# with inspect_cuda_model.c and runs it against the fake driver.
set -euo pipefail
rnnc=$1 model=$2 name=$3 work=$4 cc=$5 src=$6 obj=$7
for sm in 80 90; do
  out="$work/$name$sm"
  "$rnnc" compile "$model" --target "cuda:sm_$sm" --name "$name$sm" -o "$out.o" --header "$out.h"
  if [ -n "$(llvm-nm --undefined-only "$out.o")" ]; then
    echo "$out.o needs outside symbols:" >&2
    llvm-nm --undefined-only "$out.o" >&2
    exit 1
  fi
  $cc -std=c11 -DMODEL="$name$sm" -I"$src/runtime/include" "$(dirname "$0")/inspect_cuda_model.c" \
    "$out.o" "$obj/runtime/librnnrt.a" -ldl -o "$out"
  FAKE_CUDA_CAPABILITY=$sm "$out" "$sm" "$obj/test/Unit/libfakecuda.so"
done
