// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="weight-precision=int8 threads=2" --canonicalize --cse --split-input-file | FileCheck %s

// threads=2, a batch of one: each thread quantizes the step's rows (the
// input's 3 features, padded to 4, and the state's 256) for itself, into its
// own slice of [threads, rows, ...] buffers whose rows take whole cache lines
// (256 and 64 bytes, the parameters 16 floats), at the start of its share of
// the column groups: no parallel loop (and barrier) before the matmul.
// CHECK-LABEL: func.func @batch_of_one
// CHECK:         scf.for
// CHECK-DAG:       memref.alloc() {alignment = 64 : i64} : memref<2x1x256xi8>
// CHECK-DAG:       memref.alloc() {alignment = 64 : i64} : memref<2x1x64xi8>
// CHECK-DAG:       memref.alloc() {alignment = 64 : i64} : memref<2x1x16xf32>
// CHECK-NOT:       scf.parallel
// CHECK:           scf.parallel (%[[THREAD:.*]]) = (%c0) to (%c2)
// CHECK:             arith.fptoui
// CHECK:             memref.store %{{.*}}[%[[THREAD]], %c0, %c0] : memref<2x1x16xf32>
// CHECK:             %[[END:.*]] = arith.divui
// CHECK:             %[[BEGIN:.*]] = arith.divui
// CHECK:             scf.for %{{.*}} = %[[BEGIN]] to %[[END]]
// CHECK:               vector.multi_reduction <add>
// CHECK-NOT:       scf.parallel
// CHECK:           scf.yield
func.func @batch_of_one(%x: tensor<1x?x3xf32>) -> tensor<1x?x256xf32> {
  %k = arith.constant dense<0.5> : tensor<259x256xf32>
  %b = arith.constant dense<0.25> : tensor<256xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 256 : i64} : tensor<259x256xf32>, tensor<256xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<1x?x3xf32>) -> tensor<1x?x256xf32>, tensor<1x256xf32>
  return %y : tensor<1x?x256xf32>
}

// -----

// A batch of 16 (16 x 260 features, more than kPerThreadConversion): one
// parallel loop over the rows quantizes them into shared buffers, then the
// threads share the column groups.
// CHECK-LABEL: func.func @batch_of_sixteen
// CHECK:         scf.for
// CHECK:           memref.alloc() : memref<16x256xi8>
// CHECK:           scf.parallel (%[[ROW:.*]]) = (%c0) to (%c16)
// CHECK:             memref.store %{{.*}}[%[[ROW]], %c0] : memref<16x2xf32>
// CHECK:             arith.fptoui
// CHECK:           scf.parallel
// CHECK:             vector.multi_reduction <add>
func.func @batch_of_sixteen(%x: tensor<16x?x3xf32>) -> tensor<16x?x256xf32> {
  %k = arith.constant dense<0.5> : tensor<259x256xf32>
  %b = arith.constant dense<0.25> : tensor<256xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 256 : i64} : tensor<259x256xf32>, tensor<256xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<16x?x3xf32>) -> tensor<16x?x256xf32>, tensor<16x256xf32>
  return %y : tensor<16x?x256xf32>
}
