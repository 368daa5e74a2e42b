// RUN: rnnc-opt %s -split-input-file -rnnc-x86-dot-products=vnni=true | FileCheck %s --check-prefix=VNNI
// RUN: rnnc-opt %s -split-input-file -rnnc-x86-dot-products | FileCheck %s --check-prefix=AVX2
// RUN: rnnc-opt %s -split-input-file -rnnc-x86-dot-products=avx512-bf16=true | FileCheck %s --check-prefix=BF16

// The int8 matmuls' sum of four byte products per i32 lane: one vpdpbusd
// with VNNI (the bytes as i32 lanes, as LLVM 19's intrinsic takes them);
// else the products' four strided quarters added to the accumulator.
// VNNI-LABEL: func @dot_u8s8
// VNNI-SAME: (%[[ACC:.*]]: vector<16xi32>, %[[A:.*]]: vector<64xi8>, %[[W:.*]]: vector<64xi8>)
// VNNI-DAG: %[[A32:.*]] = vector.bitcast %[[A]] : vector<64xi8> to vector<16xi32>
// VNNI-DAG: %[[W32:.*]] = vector.bitcast %[[W]] : vector<64xi8> to vector<16xi32>
// VNNI: %[[DOT:.*]] = llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A32]], %[[W32]])
// VNNI-NOT: vector.multi_reduction
// VNNI: return %[[DOT]]
// AVX2-LABEL: func @dot_u8s8
// AVX2: %[[P:.*]] = arith.muli
// AVX2: vector.shuffle %[[P]], %[[P]] [0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]
// AVX2: vector.shuffle %[[P]], %[[P]] [3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63]
// AVX2-NOT: vector.multi_reduction
// AVX2-NOT: llvm.call_intrinsic
func.func @dot_u8s8(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<64xi8>) -> vector<16xi32> {
  %az = arith.extui %a : vector<64xi8> to vector<64xi32>
  %ws = arith.extsi %w : vector<64xi8> to vector<64xi32>
  %p = arith.muli %az, %ws : vector<64xi32>
  %q = vector.shape_cast %p : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %q, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// Not a dot product of u8 and s8 (both signed): left alone.
// VNNI-LABEL: func @signed_both
// AVX2-LABEL: func @signed_both
// VNNI: vector.multi_reduction <add>
// VNNI-NOT: llvm.call_intrinsic
func.func @signed_both(%acc: vector<16xi32>, %a: vector<64xi8>, %w: vector<64xi8>) -> vector<16xi32> {
  %as = arith.extsi %a : vector<64xi8> to vector<64xi32>
  %ws = arith.extsi %w : vector<64xi8> to vector<64xi32>
  %p = arith.muli %as, %ws : vector<64xi32>
  %q = vector.shape_cast %p : vector<64xi32> to vector<16x4xi32>
  %r = vector.multi_reduction <add>, %q, %acc [1] : vector<16x4xi32> to vector<16xi32>
  return %r : vector<16xi32>
}

// -----

// Eight lanes (AVX2 vectors): the shuffles even with VNNI.
// VNNI-LABEL: func @eight_lanes
// VNNI-NOT: llvm.call_intrinsic
// VNNI: vector.shuffle
func.func @eight_lanes(%acc: vector<8xi32>, %a: vector<32xi8>, %w: vector<32xi8>) -> vector<8xi32> {
  %az = arith.extui %a : vector<32xi8> to vector<32xi32>
  %ws = arith.extsi %w : vector<32xi8> to vector<32xi32>
  %p = arith.muli %az, %ws : vector<32xi32>
  %q = vector.shape_cast %p : vector<32xi32> to vector<8x4xi32>
  %r = vector.multi_reduction <add>, %q, %acc [1] : vector<8x4xi32> to vector<8xi32>
  return %r : vector<8xi32>
}

// -----

// Pairs of bf16 products per f32 lane: vdpbf16ps with AVX512_BF16; else the
// products' even and odd lanes added to the accumulator.
// BF16-LABEL: func @dot_bf16
// BF16-SAME: (%[[ACC:.*]]: vector<16xf32>, %[[A:.*]]: vector<32xbf16>, %[[W:.*]]: vector<32xbf16>)
// BF16: %[[DOT:.*]] = llvm.call_intrinsic "llvm.x86.avx512bf16.dpbf16ps.512"(%[[ACC]], %[[A]], %[[W]])
// BF16: return %[[DOT]]
// AVX2-LABEL: func @dot_bf16
// AVX2: %[[P:.*]] = arith.mulf
// AVX2: vector.shuffle %[[P]], %[[P]] [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]
// AVX2: vector.shuffle %[[P]], %[[P]] [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]
// AVX2-NOT: llvm.call_intrinsic
// VNNI-LABEL: func @dot_bf16
// VNNI-NOT: llvm.call_intrinsic
func.func @dot_bf16(%acc: vector<16xf32>, %a: vector<32xbf16>, %w: vector<32xbf16>) -> vector<16xf32> {
  %af = arith.extf %a : vector<32xbf16> to vector<32xf32>
  %wf = arith.extf %w : vector<32xbf16> to vector<32xf32>
  %p = arith.mulf %af, %wf : vector<32xf32>
  %q = vector.shape_cast %p : vector<32xf32> to vector<16x2xf32>
  %r = vector.multi_reduction <add>, %q, %acc [1] : vector<16x2xf32> to vector<16xf32>
  return %r : vector<16xf32>
}
