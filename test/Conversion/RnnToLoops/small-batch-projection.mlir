// RUN: rnnc-opt %s --rnn-decompose-cells --convert-rnn-to-loops --canonicalize --split-input-file | FileCheck %s

// A static batch of 1 (seen through the cast `rnnc --batch` leaves) below a
// sixteenth of the input depth: the input projection (128 KiB of weights,
// under the 1 MiB threshold) is hoisted, one [T, 1, 4H] buffer before the
// time loop (the rows of the static batch).
// CHECK-LABEL: func.func @small_batch
// CHECK: %[[PROJECTED:.*]] = memref.alloc(%{{.*}}) : memref<?x1x256xf32>
// CHECK: scf.for
func.func @small_batch(%x: tensor<?x1x128xf32>) -> tensor<?x?x64xf32> {
  %k = arith.constant dense<0.01> : tensor<192x256xf32>
  %b = arith.constant dense<0.1> : tensor<256xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 64 : i64} : tensor<192x256xf32>, tensor<256xf32>
  %in = tensor.cast %x : tensor<?x1x128xf32> to tensor<?x?x128xf32>
  %o, %c, %h = rnn.dynamic_rnn %cell(%in : tensor<?x?x128xf32>) {time_major}
      -> tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

// 16 rows: each input weight serves enough rows per step; not hoisted.
// CHECK-LABEL: func.func @batch_16
// CHECK-NOT: memref<?x16x256xf32>
// CHECK: return
func.func @batch_16(%x: tensor<?x16x128xf32>) -> tensor<?x?x64xf32> {
  %k = arith.constant dense<0.01> : tensor<192x256xf32>
  %b = arith.constant dense<0.1> : tensor<256xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 64 : i64} : tensor<192x256xf32>, tensor<256xf32>
  %in = tensor.cast %x : tensor<?x16x128xf32> to tensor<?x?x128xf32>
  %o, %c, %h = rnn.dynamic_rnn %cell(%in : tensor<?x?x128xf32>) {time_major}
      -> tensor<?x?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

// 32 rows or more amortize up to 8 MiB of input weights (here 2 MiB, above
// the 1 MiB threshold) over the batch: not hoisted either.
// CHECK-LABEL: func.func @batch_32
// CHECK-NOT: memref<?x32x2048xf32>
// CHECK: return
func.func @batch_32(%x: tensor<?x32x256xf32>) -> tensor<?x?x512xf32> {
  %k = arith.constant dense<0.01> : tensor<768x2048xf32>
  %b = arith.constant dense<0.1> : tensor<2048xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 512 : i64} : tensor<768x2048xf32>, tensor<2048xf32>
  %in = tensor.cast %x : tensor<?x32x256xf32> to tensor<?x?x256xf32>
  %o, %c, %h = rnn.dynamic_rnn %cell(%in : tensor<?x?x256xf32>) {time_major}
      -> tensor<?x?x512xf32>, tensor<?x512xf32>, tensor<?x512xf32>
  return %o : tensor<?x?x512xf32>
}
