// RUN: rnnc-opt %s --convert-rnn-to-loops="row-block=1 project-inputs-above-bytes=0" --canonicalize --split-input-file | FileCheck %s
// RUN: rnnc-opt %s --convert-rnn-to-loops --canonicalize --split-input-file | FileCheck %s --check-prefix=ROWS
// RUN: rnnc-opt %s --convert-rnn-to-loops="vector-width=8" --canonicalize --split-input-file | FileCheck %s --check-prefix=W8
// RUN: rnnc-opt %s --convert-rnn-to-loops="accumulators=1" --canonicalize --split-input-file | FileCheck %s --check-prefix=ACC1
// RUN: rnnc-opt %s --convert-rnn-to-loops="accumulators=1 threads=2" --canonicalize --split-input-file | FileCheck %s --check-prefix=THREADS

// A GRU with 20 units: 2H = 40 gate columns are two full 16-lane blocks and a
// masked block of 8, accumulated together by broadcast-FMAs over vector<16xf32>.

// CHECK-LABEL: func.func @gru_with_lengths
// CHECK-NOT:     rnn.
// CHECK-DAG:     %[[T:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG:     %[[B:.*]] = tensor.dim %arg0, %c0
// CHECK:         %[[OUT:.*]] = memref.alloc(%[[B]], %[[T]]) : memref<?x?x20xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[OUT]] : memref<?x?x20xf32>)
// CHECK:         %[[H:.*]] = memref.alloc(%[[B]]) : memref<?x20xf32>
// Scratch for every batch row: the gates, the candidate, r * h.
// CHECK:         %[[GATES:.*]] = memref.alloc(%[[B]]) : memref<?x40xf32>
// CHECK:         %[[CAND:.*]] = memref.alloc(%[[B]]) : memref<?x20xf32>
// Steps run up to the largest (clamped) length only.
// CHECK:         %[[STEPS:.*]] = scf.for %{{.*}} = %c0 to %[[B]] step %c1 iter_args(%{{.*}} = %c0) -> (index)
// CHECK:           arith.maxsi
// CHECK:           arith.minsi %{{.*}}, %[[T]]
// The input projection (forced by project-inputs-above-bytes=0) is one matmul
// over T * B rows. The packed weights hold the one column group (3 blocks,
// 48 columns with the padding) as 48 contiguous floats per k.
// CHECK:         %[[FLAT:.*]] = arith.muli %[[T]], %[[B]]
// CHECK:         scf.for %[[I:.*]] = %c0 to %[[FLAT]] step %c1
// CHECK:           arith.divui %[[I]], %[[B]]
// CHECK:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>)
// CHECK:             vector.broadcast %{{.*}} : f32 to vector<16xf32>
// CHECK:             arith.muli %{{.*}}, %c48
// CHECK:             vector.fma %{{.*}} : vector<16xf32>
// CHECK:           vector.maskedstore
// Each step: the gate matmul of every row, r * h, the candidate matmul, then
// the update of each active row.
// CHECK:         scf.for %[[TIME:.*]] = %c0 to %[[STEPS]] step %c1
// CHECK:           scf.for %[[R1:.*]] = %c0 to %[[B]] step %c1
// CHECK:             memref.load %[[H]][%[[R1]], %{{.*}}]
// CHECK:             vector.fma %{{.*}} : vector<16xf32>
// CHECK:             vector.maskedstore %[[GATES]][%[[R1]], %c32]
// CHECK:           scf.for
// CHECK:           scf.for
// CHECK:             vector.maskedstore %[[CAND]]
// CHECK:           scf.for %[[ROW:.*]] = %c0 to %[[B]] step %c1
// CHECK:             %[[ACTIVE:.*]] = arith.cmpi slt, %[[TIME]], %{{.*}} : index
// CHECK:             scf.if %[[ACTIVE]]
// CHECK:               math.tanh %{{.*}} : vector<16xf32>
// CHECK:               vector.store %{{.*}}, %[[H]][%[[ROW]], %c0]
// The output rows of the active rows copy the new h.
// CHECK:           scf.for %[[ROW2:.*]] = %c0 to %[[B]] step %c1
// CHECK:             scf.if
// CHECK:               vector.store %{{.*}}, %[[OUT]][%[[ROW2]], %[[TIME]], %c0]
// CHECK:         %[[OUT_T:.*]] = bufferization.to_tensor %[[OUT]] restrict writable
// CHECK:         %[[H_T:.*]] = bufferization.to_tensor %[[H]] restrict writable
// CHECK:         return %[[OUT_T]], %[[H_T]]

// With one accumulator, a column group is one block (over blocks of 2 rows):
// a loop walks the two full groups, then comes the masked one.
// ACC1-LABEL: func.func @gru_with_lengths
// ACC1:         scf.for %{{.*}} = %c0 to %c2 step %c1
// ACC1:           scf.for %{{.*}} = %c0 to %{{.*}} step %c2
// ACC1:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// ACC1:         vector.constant_mask [8] : vector<16xi1>
// ACC1:         scf.for %{{.*}} = %c0 to %{{.*}} step %c2
// ACC1:           vector.maskedload

// By default rows go in blocks of 4 whose gate matmuls share every weight
// load: 4 rows x 3 column blocks = 12 accumulators; the rows left over go
// one by one.
// ROWS-LABEL: func.func @gru_with_lengths
// ROWS:         scf.for %{{.*}} = %c0 to %{{.*}} step %c4
// ROWS:           scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>)
// ROWS:         scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c1

// With threads, the full column groups of each matmul are an scf.parallel
// loop (the masked last group follows on the calling thread).
// THREADS-LABEL: func.func @gru_with_lengths
// THREADS:         scf.for %{{.*}} = %c0 to %{{.*}} step %c1 {
// THREADS:           scf.parallel (%[[G:.*]]) = (%c0) to (%c2) step (%c1) {
// THREADS:             arith.muli %[[G]], %c16 : index
// THREADS:             scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>)
// THREADS:           vector.constant_mask [8] : vector<16xi1>

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

// Static shapes give static loop bounds; no lengths means no guard; initial
// states are copied into the state buffers. The stack runs as one sequence
// per layer (its upper layer's input matmuls are hoisted too: the threshold is
// 0): layer 0's outputs, projected for all steps, are layer 1's inputs.

// CHECK-LABEL: func.func @static_stack_with_initial_state
// CHECK-NOT:     rnn.
// CHECK:         %[[OUT0:.*]] = memref.alloc() : memref<4x2x8xf32>
// CHECK:         %[[C0:.*]] = memref.alloc() : memref<2x8xf32>
// CHECK:         %[[C0_IN:.*]] = bufferization.to_memref %arg1 read_only : memref<2x8xf32, strided<[?, 1], offset: ?>>
// CHECK:         linalg.copy ins(%[[C0_IN]] : memref<2x8xf32, strided<[?, 1], offset: ?>>) outs(%[[C0]] : memref<2x8xf32>)
// CHECK:         %[[H0:.*]] = memref.alloc() : memref<2x8xf32>
// CHECK:         linalg.copy
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK:         scf.for %[[TIME:.*]] = %c0 to %c4 step %c1
// CHECK-NOT:       scf.if
// CHECK:           memref.load %[[H0]]
// CHECK:           vector.maskedstore %[[OUT0]][%[[TIME]], %{{.*}}, %c0]
// CHECK:         %[[OUT:.*]] = memref.alloc() : memref<4x2x8xf32>
// CHECK:         %[[H1:.*]] = memref.alloc() : memref<2x8xf32>
// CHECK:         linalg.copy
// CHECK:         scf.for %{{.*}} = %c0 to %c8 step %c1
// CHECK:           memref.load %[[OUT0]]
// CHECK:         scf.for %[[TIME1:.*]] = %c0 to %c4 step %c1
// CHECK-NOT:       scf.if
// CHECK:           memref.load %[[H1]]
// CHECK:           vector.maskedstore %[[OUT]][%[[TIME1]], %{{.*}}, %c0]
func.func @static_stack_with_initial_state(%x: tensor<4x2x3xf32>, %c: tensor<2x8xf32>,
    %h: tensor<2x8xf32>, %h1: tensor<2x8xf32>)
    -> (tensor<4x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %k = arith.constant dense<0.1> : tensor<11x32xf32>
  %b = arith.constant dense<0.0> : tensor<32xf32>
  %k1 = arith.constant dense<0.1> : tensor<16x8xf32>
  %b1 = arith.constant dense<0.0> : tensor<8xf32>
  %lstm = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  %rnn = rnn.basic_rnn_cell %k1, %b1 {num_units = 8 : i64} : tensor<16x8xf32>, tensor<8xf32>
  %stack = rnn.multi_rnn_cell %lstm, %rnn
  %out, %s:3 = rnn.dynamic_rnn %stack(%x : tensor<4x2x3xf32>)
      initial_state(%c, %h, %h1 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {time_major}
      -> tensor<4x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
  return %out, %s#0, %s#1, %s#2 : tensor<4x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// Backwards, step t of row b reads and writes time length[b] - 1 - t; rows of
// length 0 get a zero state before the loop.

// CHECK-LABEL: func.func @reverse_zero_state
// CHECK:         scf.for %[[ROW0:.*]] = %c0 to %c3 step %c1
// CHECK:           %[[EMPTY:.*]] = arith.cmpi eq, %{{.*}}, %c0 : index
// CHECK:           scf.if %[[EMPTY]]
// CHECK:             vector.maskedstore %{{.*}}[%[[ROW0]], %c0]
// The input projection of every step and row comes first, as one loop over
// the 12 (step, row) pairs, read in place (forced by
// project-inputs-above-bytes=0: this model's weights are tiny).
// CHECK:         scf.for %[[I:.*]] = %c0 to %c12 step %c1
// CHECK:           %[[T0:.*]] = arith.divui %[[I]], %c3
// CHECK:           %[[R0:.*]] = arith.remui %[[I]], %c3
// CHECK:             tensor.extract %arg0[%[[T0]], %[[R0]], %{{.*}}] : tensor<4x3x2xf32>
// CHECK:           vector.maskedstore %[[P:.*]][%[[T0]], %[[R0]], %c0]
// CHECK:         scf.for %[[TIME:.*]] = %c0 to %{{.*}} step %c1
// CHECK:           scf.for %[[ROW:.*]] = %c0 to %c3 step %c1
// CHECK:             %[[LEN:.*]] = arith.minsi %{{.*}}, %c4 : index
// CHECK:             %[[LAST:.*]] = arith.subi %[[LEN]], %c1 : index
// CHECK:             %[[AT:.*]] = arith.subi %[[LAST]], %[[TIME]] : index
// A row past its length reads time 0, not before the buffer.
// CHECK:             %[[READ:.*]] = arith.maxsi %[[AT]], %c0 : index
// CHECK:             vector.maskedload %[[P]][%[[READ]], %[[ROW]], %c0]
// The update of the active rows, then their outputs at the reversed times.
// CHECK:           scf.for
// CHECK:           scf.for %[[ROW2:.*]] = %c0 to %c3 step %c1
// CHECK:             %[[AT2:.*]] = arith.subi %{{.*}}, %[[TIME]] : index
// CHECK:             scf.if
// CHECK:               vector.maskedstore %{{.*}}[%[[AT2]], %[[ROW2]], %c0]
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

// A Keras mask visits every step; a masked step repeats the row's last output
// (kept in its own buffer, zero at first; the deallocation pipeline frees it)
// and leaves the states alone.

// CHECK-LABEL: func.func @keras_mask
// CHECK:         %[[OUT:.*]] = memref.alloc(%{{.*}}, %{{.*}}) : memref<?x?x4xf32>
// CHECK:         %[[H:.*]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK:         %[[PRE:.*]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK:         %[[LAST:.*]] = memref.alloc(%{{.*}}) : memref<?x4xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[LAST]] : memref<?x4xf32>)
// CHECK:         scf.for %[[TIME:.*]] = %c0 to %{{.*}} step %c1
// CHECK:           scf.for
// CHECK:             vector.maskedstore %[[PRE]]
// CHECK:           scf.for %[[ROW:.*]] = %c0 to %{{.*}} step %c1
// CHECK:             %[[ACTIVE:.*]] = tensor.extract %arg1[%[[ROW]], %[[TIME]]] : tensor<?x?xi1>
// CHECK:             scf.if %[[ACTIVE]] {
// CHECK:               vector.maskedstore %[[H]][%[[ROW]], %c0]
// CHECK:           scf.for %[[ROW2:.*]] = %c0 to %{{.*}} step %c1
// CHECK:             %[[ACTIVE2:.*]] = tensor.extract %arg1[%[[ROW2]], %[[TIME]]] : tensor<?x?xi1>
// CHECK:             scf.if %[[ACTIVE2]] {
// CHECK:               vector.maskedstore %[[OUT]][%[[TIME]], %[[ROW2]], %c0]
// CHECK:               vector.maskedstore %[[LAST]][%[[ROW2]], %c0]
// CHECK:             } else {
// CHECK-NEXT:          vector.constant_mask
// CHECK-NEXT:          vector.maskedload %[[LAST]][%[[ROW2]], %c0]
// CHECK-NEXT:          vector.maskedstore %[[OUT]][%[[TIME]], %[[ROW2]], %c0]
// CHECK-NEXT:        }
// CHECK-NOT:     memref.dealloc
func.func @keras_mask(%x: tensor<?x?x3xf32>, %mask: tensor<?x?xi1>) -> (tensor<?x?x4xf32>, tensor<?x4xf32>) {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>) {time_major}
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %out, %h : tensor<?x?x4xf32>, tensor<?x4xf32>
}

// -----

// unroll: the input projection of the 3 steps is one loop over the 6 (step,
// row) pairs; the steps themselves are straight-line, one copy of the step's
// three row loops (matmul, update, output) each.

// CHECK-LABEL: func.func @unrolled
// CHECK:         scf.for %{{.*}} = %c0 to %c6 step %c1 {
// CHECK-NOT:     scf.for {{.*}} to %c3
// CHECK-COUNT-9: scf.for %{{.*}} = %c0 to %c2 step %c1 {
// CHECK-NOT:     scf.for %{{.*}} = %c0 to %c2 step %c1 {
// CHECK:         return
func.func @unrolled(%x: tensor<3x2x4xf32>) -> tensor<3x2x5xf32> {
  %k = arith.constant dense<0.1> : tensor<9x5xf32>
  %b = arith.constant dense<0.0> : tensor<5xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 5 : i64} : tensor<9x5xf32>, tensor<5xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<3x2x4xf32>) {time_major, unroll}
      -> tensor<3x2x5xf32>, tensor<2x5xf32>
  return %y : tensor<3x2x5xf32>
}

// -----

// go_backwards: step t reads input T - 1 - t and writes output t.

// CHECK-LABEL: func.func @backwards
// CHECK:         scf.for %[[I:.*]] = %c0 to %c14 step %c1 {
// CHECK:           %[[T0:.*]] = arith.divui %[[I]], %c2
// CHECK:           tensor.extract %{{.*}}[%[[T0]], %{{.*}}, %{{.*}}] : tensor<7x2x4xf32>
// CHECK:           vector.maskedstore %[[P:.*]][%[[T0]], %{{.*}}, %c0]
// CHECK:         scf.for %[[T:.*]] = %c0 to %c7 step %c1 {
// CHECK:           %[[IN:.*]] = arith.subi %c6, %[[T]] : index
// CHECK:           vector.maskedload %[[P]][%[[IN]], %{{.*}}, %c0]
// CHECK:           vector.maskedstore %{{.*}}[%[[T]], %{{.*}}, %{{.*}}]
func.func @backwards(%x: tensor<7x2x4xf32>) -> tensor<7x2x5xf32> {
  %k = arith.constant dense<0.1> : tensor<9x5xf32>
  %b = arith.constant dense<0.0> : tensor<5xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 5 : i64} : tensor<9x5xf32>, tensor<5xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<7x2x4xf32>) {time_major, go_backwards}
      -> tensor<7x2x5xf32>, tensor<2x5xf32>
  return %y : tensor<7x2x5xf32>
}

// -----

// 32 units, whole vectors: the gate matmul's epilogue also writes r * h (for
// the reset gate's columns), and the candidate matmul's epilogue updates the
// active rows' h from its accumulators: no pass over the rows between or
// after the matmuls.
// CHECK-LABEL: func.func @gru_whole_vectors
// CHECK:         %[[H:.*]] = memref.alloc(%{{.*}}) : memref<?x32xf32>
// CHECK:         %[[GATES:.*]] = memref.alloc(%{{.*}}) : memref<?x64xf32>
// CHECK:         %[[AUX:.*]] = memref.alloc(%{{.*}}) : memref<?x32xf32>
// CHECK:         %[[STEPS:.*]] = scf.for %{{.*}} iter_args
// CHECK:         scf.for %[[TIME:.*]] = %c0 to %[[STEPS]] step %c1
// CHECK:           scf.for %[[R1:.*]] = %c0 to %{{.*}} step %c1
// CHECK:             math.exp
// CHECK:             vector.store %{{.*}}, %[[GATES]][%[[R1]], %c0]
// CHECK:             %[[HV:.*]] = vector.load %[[H]][%[[R1]], %c0]
// CHECK:             %[[RH:.*]] = arith.mulf %{{.*}}, %[[HV]]
// CHECK:             vector.store %[[RH]], %[[AUX]][%[[R1]], %c0]
// CHECK:             vector.store %{{.*}}, %[[GATES]][%[[R1]], %c48]
// CHECK-NOT:         %[[AUX]]
// CHECK:           scf.for %[[R2:.*]] = %c0 to %{{.*}} step %c1
// CHECK:             memref.load %[[AUX]][%[[R2]], %{{.*}}]
// CHECK:             scf.if
// CHECK:               math.tanh
// CHECK:               vector.load %[[GATES]][%[[R2]], %c32]
// CHECK:               vector.store %{{.*}}, %[[H]][%[[R2]], %c0]
// CHECK:               math.tanh
// CHECK:               vector.store %{{.*}}, %[[H]][%[[R2]], %c16]
// CHECK-NOT:       math.tanh
// CHECK:           scf.for %[[R3:.*]] = %c0 to %{{.*}} step %c1
// CHECK-NOT:         math.tanh
// CHECK:             vector.store %{{.*}}, %{{.*}}[%[[R3]], %[[TIME]], %{{.*}}]
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
