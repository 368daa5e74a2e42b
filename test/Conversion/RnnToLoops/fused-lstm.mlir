// RUN: rnnc-opt %s --convert-rnn-to-loops --canonicalize --cse --split-input-file | FileCheck %s

// An LSTM with a constant kernel and a batch not known to be 1 runs its cell
// equations in the gate matmul's epilogue. 20 units: one group of 16 units
// holding the 4 gates' columns for them (4 accumulators per row, 4 rows per
// block: 16), then a tail group of 4 units (masked stores). The only
// per-row scratch is the new h ([B, 20], copied into h after the matmul), no
// [B, 80] gate buffer.

func.func @lstm(%x: tensor<?x?x3xf32>) -> tensor<?x?x20xf32> {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64} : tensor<23x80xf32>, tensor<80xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x20xf32>, tensor<?x20xf32>, tensor<?x20xf32>
  return %y : tensor<?x?x20xf32>
}

// Gate-interleaved packed kernel: 2 groups x 23 rows x 4 gates x 16 lanes.
// CHECK-LABEL: func.func @lstm
// CHECK:         arith.constant dense<"0x{{.*}}"> : tensor<2944xf32>
// CHECK-NOT:     memref<?x80xf32>
// CHECK:         %[[HNEXT:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// CHECK:           scf.for %[[ROW:.*]] = %c0 to %{{.*}} step %c4 {
// CHECK:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             math.tanh
// CHECK:             vector.store %{{.*}}, %[[HNEXT]][%[[ROW]], %c0] : memref<?x20xf32>, vector<16xf32>
// CHECK:           vector.maskedstore %[[HNEXT]]
// CHECK:           vector.maskedload %[[HNEXT]]

// -----

// A batch of 1: the gate matmul writes all 80 pre-activations to scratch first.
func.func @lstm_one_row(%x: tensor<?x1x3xf32>) -> tensor<?x1x20xf32> {
  %k = arith.constant dense<0.1> : tensor<23x80xf32>
  %b = arith.constant dense<0.0> : tensor<80xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 20 : i64} : tensor<23x80xf32>, tensor<80xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x1x3xf32>) {time_major} -> tensor<?x1x20xf32>, tensor<1x20xf32>, tensor<1x20xf32>
  return %y : tensor<?x1x20xf32>
}

// CHECK-LABEL: func.func @lstm_one_row
// CHECK:         memref.alloc() : memref<1x80xf32>
