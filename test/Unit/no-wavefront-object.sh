#!/bin/bash
# no-wavefront-object.sh RNNC MODEL OBJECT NAME: OBJECT, built by
# rnnc_add_model(... TARGET cuda:sm_80 NO_WAVEFRONT), is what `rnnc compile
# --wavefront=false` makes of MODEL, and not what the default (the persistent
# kernel's wavefront) makes.
set -euo pipefail
rnnc=$1 model=$2 object=$3 name=$4
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
flags=(--name "$name" --cpu x86-64-v3 --target cuda:sm_80)
"$rnnc" compile "$model" "${flags[@]}" --wavefront=false -o "$scratch/layers.o"
"$rnnc" compile "$model" "${flags[@]}" -o "$scratch/wavefront.o"
if ! cmp -s "$object" "$scratch/layers.o"; then
  echo "error: $object is not rnnc compile --wavefront=false's object" >&2
  exit 1
fi
if cmp -s "$object" "$scratch/wavefront.o"; then
  echo "error: $object is also the wavefront's object: the check cannot tell them apart" >&2
  exit 1
fi
echo "ok: $object is the layer-after-layer object"
