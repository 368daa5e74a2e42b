// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops --canonicalize --cse --split-input-file --mlir-elide-elementsattrs-if-larger=4 | FileCheck %s

// A built-in LSTM (decomposed into its custom cell) with a constant kernel
// runs its cell equations in the gate matmul's epilogue. 20 units: one group
// of 16 units holding the 4 gates' columns for them (4 accumulators per row,
// 4 rows per block: 16), then a tail group of 4 units (masked stores). The
// input projection is not hoisted (small weights): input and recurrent rows
// are one matmul of two terms, starting from the bias. Only the new c and h
// ([B, 20] each) are stored, no [B, 80] gate buffer.

func.func @lstm(%x: tensor<?x?x3xf32>) -> tensor<?x?x20xf32> {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64} : tensor<23x80xf32>, tensor<80xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
  return %y : tensor<?x?x20xf32>
}

// Gate-interleaved packed kernels: 2 groups x 3 input rows x 4 gates x 16
// lanes, and 2 groups x 20 recurrent rows x 4 gates x 16 lanes.
// CHECK-LABEL: func.func @lstm
// CHECK-DAG:     arith.constant dense_resource<__elided__> : tensor<384xf32>
// CHECK-DAG:     arith.constant dense_resource<__elided__> : tensor<2560xf32>
// CHECK-NOT:     x80xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args
// CHECK:           %[[C:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:           %[[H:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK-NOT:       x80xf32>
// CHECK:           scf.for %[[ROW:.*]] = %c0 to %{{.*}} step %c4 {
// CHECK:             scf.for %{{.*}} = %c0 to %c20 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             math.tanh
// CHECK:             vector.store %{{.*}}, %[[C]][%[[ROW]], %c0] : memref<?x20xf32>, vector<16xf32>
// CHECK:             vector.store %{{.*}}, %[[H]][%[[ROW]], %c0] : memref<?x20xf32>, vector<16xf32>
// CHECK:           vector.maskedstore %[[C]][%{{.*}}, %c16]
// CHECK:           vector.maskedstore %[[H]][%{{.*}}, %c16]

// -----

// A batch of 1 the same: all 8 accumulators of a row on the columns (two
// groups of gates at once).
func.func @lstm_one_row(%x: tensor<?x1x3xf32>) -> tensor<?x1x20xf32> {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64} : tensor<23x80xf32>, tensor<80xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x1x3xf32>) {time_major} -> tensor<?x1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>
  return %y : tensor<?x1x20xf32>
}

// CHECK-LABEL: func.func @lstm_one_row
// CHECK-NOT:     x80xf32>
// CHECK:         %[[C1:.*]] = memref.alloc() : memref<1x20xf32>
// CHECK-NOT:     x80xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c20 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:         math.tanh
// CHECK:         vector.store %{{.*}}, %[[C1]][%c0, %c0] : memref<1x20xf32>, vector<16xf32>
