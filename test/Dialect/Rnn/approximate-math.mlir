// RUN: rnnc-opt %s --rnn-approximate-math | FileCheck %s

// The gate nonlinearities become polynomial arithmetic on the same vectors.
// CHECK-LABEL: func.func @gate_math
// CHECK-NOT:     math.tanh
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.log1p
// CHECK:         arith.mulf %{{.*}} : vector<16xf32>
// CHECK:         return %{{.*}} : vector<16xf32>
func.func @gate_math(%x: vector<16xf32>) -> vector<16xf32> {
  %t = math.tanh %x : vector<16xf32>
  %e = math.exp %t : vector<16xf32>
  %l = math.log1p %e : vector<16xf32>
  %m = math.expm1 %l : vector<16xf32>
  return %m : vector<16xf32>
}
