// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops --canonicalize --cse | FileCheck %s

// Each cell's rnn.weight_precision (rnn-weight-precision, one per layer)
// decides how its matmuls pack and multiply their weights, whatever the
// pass's weight-precision (f32 here): the stack's bottom layer in int8 (s8
// weights, its rows quantized to u8, i32 dot products), the top one in f32
// (FMAs on f32 weights read as given).
// CHECK-LABEL: func.func @stack
// CHECK-DAG:     arith.constant dense<127> : tensor<256xi8>
// CHECK-DAG:     %[[TOP:.*]] = arith.constant dense<5.000000e-01> : tensor<256xf32>
// CHECK:         %[[TOPW:.*]] = bufferization.to_memref %[[TOP]]
// CHECK:         scf.for
// CHECK:           arith.fptoui %{{.*}} : vector<16xf32> to vector<16xi8>
// CHECK:           vector.multi_reduction <add>, %{{.*}} [1] : vector<16x4xi32> to vector<16xi32>
// CHECK:           %[[W:.*]] = vector.load %[[TOPW]][%{{.*}}] : memref<256xf32, strided<[1], offset: ?>>, vector<16xf32>
// CHECK-NEXT:      vector.fma %{{.*}}, %[[W]], %{{.*}} : vector<16xf32>
// CHECK:           scf.yield
func.func @stack(%x: tensor<?x?x3xf32>) -> tensor<?x?x16xf32> {
  %k0 = arith.constant dense<1.00390625> : tensor<19x16xf32>
  %k1 = arith.constant dense<0.5> : tensor<32x16xf32>
  %b = arith.constant dense<0.25> : tensor<16xf32>
  %c0 = rnn.basic_rnn_cell %k0, %b {num_units = 16 : i64, rnn.weight_precision = "int8"} : tensor<19x16xf32>, tensor<16xf32>
  %c1 = rnn.basic_rnn_cell %k1, %b {num_units = 16 : i64, rnn.weight_precision = "f32"} : tensor<32x16xf32>, tensor<16xf32>
  %stack = rnn.multi_rnn_cell %c0, %c1
  %y, %h0, %h1 = rnn.dynamic_rnn %stack(%x : tensor<?x?x3xf32>) -> tensor<?x?x16xf32>, tensor<?x16xf32>, tensor<?x16xf32>
  return %y : tensor<?x?x16xf32>
}
