// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops --canonicalize --cse --split-input-file | FileCheck %s
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="accumulators=1" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=ACC1
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="accumulators=1 threads=2" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=THREADS
// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops="vector-width=8" --canonicalize --cse --split-input-file | FileCheck %s --check-prefix=W8

// Built-in cells are lowered as the custom cells rnn-decompose-cells makes of
// them (the CPU pipeline runs it first; without it they are an error:
// invalid.mlir). A GRU with 20 units and lengths, reset before the
// candidate's matmul: a time loop over all steps whose step computes which
// rows are active ([B] i1: t < length), then the gate matmul (recurrent and
// input rows as one matmul of two terms, blocks of 4 rows) whose epilogue
// stores z and r * h only, then the candidate's matmul over r * h whose
// epilogue applies tanh, the update and the active rows' selects and stores
// the new h and output rows. The weights are small: the input projection is
// not hoisted.

// CHECK-LABEL: func.func @gru_with_lengths
// CHECK-NOT:     rnn.
// CHECK:         %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK:         scf.for %{{.*}} = %c0 to %[[T]] step %c1 iter_args
// CHECK:           linalg.generic {{.*}} ins(%{{.*}} : tensor<?xi64>) outs(%{{.*}} : tensor<?xi1>)
// CHECK:             arith.cmpi slt
// CHECK:           %[[Z:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:           %[[RH:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c4 {
// CHECK:             scf.for %{{.*}} = %c0 to %c20 step %c1 iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             scf.for %{{.*}} = %c0 to %c3 step %c1
// CHECK:             vector.store %{{.*}}, %[[RH]]
// CHECK:             vector.maskedstore %[[RH]]
// CHECK:           scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1 {
// CHECK:           %[[NEWH:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:           %[[NEWOUT:.*]] = memref.alloc(%{{.*}}) : memref<?x20xf32>
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c4 {
// CHECK:             memref.load %[[RH]]
// CHECK:             vector.load %[[Z]]
// CHECK:             math.tanh
// CHECK:             arith.select %{{.*}} : vector<16xi1>, vector<16xf32>
// CHECK:             vector.store %{{.*}}, %[[NEWH]]
// CHECK:             vector.store %{{.*}}, %[[NEWOUT]]
// CHECK:           tensor.insert_slice
// CHECK:           scf.yield

// With one accumulator a column group is one vector: blocks of 2 rows (the
// two gates' vectors of each), the last group's 4 units masked.
// ACC1-LABEL: func.func @gru_with_lengths
// ACC1:         vector.constant_mask [4] : vector<16xi1>
// ACC1:         scf.for %{{.*}} = %c0 to %{{.*}} step %c2
// ACC1:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// ACC1:           vector.maskedstore

// W8-LABEL: func.func @gru_with_lengths
// W8:         vector.fma %{{.*}} : vector<8xf32>
// W8-NOT:     vector<16xf32>
func.func @gru_with_lengths(%x: tensor<?x?x3xf32>, %len: tensor<?xi64>)
    -> (tensor<?x?x20xf32>, tensor<?x20xf32>) {
  %gk = arith.constant dense<0.1> : tensor<23x40xf32>
  %gb = arith.constant dense<1.0> : tensor<40xf32>
  %ck = arith.constant dense<0.1> : tensor<23x20xf32>
  %cb = arith.constant dense<0.0> : tensor<20xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 20 : i64}
      : tensor<23x40xf32>, tensor<40xf32>, tensor<23x20xf32>, tensor<20xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) sequence_length(%len : tensor<?xi64>)
      -> tensor<?x?x20xf32>, tensor<?x20xf32>
  return %out, %h : tensor<?x?x20xf32>, tensor<?x20xf32>
}

// -----

// 32 units, whole vectors. With threads, each matmul's column groups are an
// scf.parallel loop (here 2 groups of 16 units), the gate matmul's and the
// candidate's, whose epilogue updates the rows' h.
// THREADS-LABEL: func.func @gru_whole_vectors
// THREADS:         scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args
// THREADS:           %[[RH:.*]] = memref.alloc(%{{.*}}) : memref<?x32xf32>
// THREADS:           scf.parallel (%{{.*}}) = (%c0) to (%c2) step (%c1) {
// THREADS:             vector.store %{{.*}}, %[[RH]]
// THREADS:           scf.parallel (%{{.*}}) = (%c0) to (%c2) step (%c1) {
// THREADS:             memref.load %[[RH]]
// THREADS:             math.tanh
// THREADS:             arith.select
func.func @gru_whole_vectors(%x: tensor<?x?x3xf32>, %len: tensor<?xi64>)
    -> (tensor<?x?x32xf32>, tensor<?x32xf32>) {
  %gk = arith.constant dense<0.1> : tensor<35x64xf32>
  %gb = arith.constant dense<1.0> : tensor<64xf32>
  %ck = arith.constant dense<0.1> : tensor<35x32xf32>
  %cb = arith.constant dense<0.0> : tensor<32xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 32 : i64}
      : tensor<35x64xf32>, tensor<64xf32>, tensor<35x32xf32>, tensor<32xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) sequence_length(%len : tensor<?xi64>)
      -> tensor<?x?x32xf32>, tensor<?x32xf32>
  return %out, %h : tensor<?x?x32xf32>, tensor<?x32xf32>
}

// -----

// Backwards with lengths: the rows' first len[b] steps reversed before the
// loop and after it (TF's reverse_sequence); rows of length 0 get a zero
// final state (a select after the loop).
// CHECK-LABEL: func.func @reverse_zero_state
// CHECK:         linalg.generic
// CHECK:         scf.for %{{.*}} = %c0 to %c4 step %c1 iter_args
// CHECK:         } {rnn.time_loop}
// CHECK:         linalg.generic
// CHECK:         arith.cmpi sle
// CHECK:         return
func.func @reverse_zero_state(%x: tensor<4x3x2xf32>, %len: tensor<3xi32>, %h0: tensor<3x5xf32>)
    -> (tensor<4x3x5xf32>, tensor<3x5xf32>) {
  %k = arith.constant dense<0.1> : tensor<7x5xf32>
  %b = arith.constant dense<0.0> : tensor<5xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 5 : i64} : tensor<7x5xf32>, tensor<5xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<4x3x2xf32>) sequence_length(%len : tensor<3xi32>)
      initial_state(%h0 : tensor<3x5xf32>) {time_major, reverse, zero_final_state_for_empty_rows}
      -> tensor<4x3x5xf32>, tensor<3x5xf32>
  return %out, %h : tensor<4x3x5xf32>, tensor<3x5xf32>
}

// -----

// unroll: the steps are straight-line code, no time loop.
// CHECK-LABEL: func.func @unrolled
// CHECK-NOT:     rnn.time_loop
// CHECK:         return
func.func @unrolled(%x: tensor<3x2x4xf32>) -> tensor<3x2x5xf32> {
  %k = arith.constant dense<0.1> : tensor<9x5xf32>
  %b = arith.constant dense<0.0> : tensor<5xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 5 : i64} : tensor<9x5xf32>, tensor<5xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<3x2x4xf32>) {time_major, unroll}
      -> tensor<3x2x5xf32>, tensor<2x5xf32>
  return %y : tensor<3x2x5xf32>
}
