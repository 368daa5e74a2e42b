// RUN: rnnc-opt %s --rnn-fuse-stacked-sequences --split-input-file | FileCheck %s

// Two chained forward sequences become one over a stack; the lower layer's
// final states, used before the upper op, come from the fused op; the upper
// cell and initial state move above it.

// CHECK-LABEL: func.func @chain
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x3xf32>, %[[LEN:.*]]: tensor<?xi32>, %[[H0:.*]]: tensor<?x4xf32>, %[[H1:.*]]: tensor<?x5xf32>)
// CHECK:         %[[LOWER:.*]] = rnn.basic_rnn_cell
// CHECK:         %[[UPPER:.*]] = rnn.gru_cell
// CHECK:         %[[STACK:.*]] = rnn.multi_rnn_cell %[[LOWER]], %[[UPPER]]
// CHECK:         %[[OUT:.*]], %[[STATES:.*]]:2 = rnn.dynamic_rnn %[[STACK]](%[[X]] : tensor<?x?x3xf32>) sequence_length(%[[LEN]] : tensor<?xi32>) initial_state(%[[H0]], %[[H1]] : tensor<?x4xf32>, tensor<?x5xf32>) {time_major}
// CHECK-NOT:     rnn.dynamic_rnn
// CHECK:         %[[USE:.*]] = arith.addf %[[STATES]]#0, %[[STATES]]#0
// CHECK:         return %[[OUT]], %[[USE]], %[[STATES]]#1
func.func @chain(%x: tensor<?x?x3xf32>, %len: tensor<?xi32>, %h0: tensor<?x4xf32>, %h1: tensor<?x5xf32>)
    -> (tensor<?x?x5xf32>, tensor<?x4xf32>, tensor<?x5xf32>) {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %lower = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %o1, %s1 = rnn.dynamic_rnn %lower(%x : tensor<?x?x3xf32>) sequence_length(%len : tensor<?xi32>)
      initial_state(%h0 : tensor<?x4xf32>) {time_major} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %use = arith.addf %s1, %s1 : tensor<?x4xf32>
  %gk = arith.constant dense<0.1> : tensor<9x10xf32>
  %gb = arith.constant dense<1.0> : tensor<10xf32>
  %ck = arith.constant dense<0.1> : tensor<9x5xf32>
  %cb = arith.constant dense<0.0> : tensor<5xf32>
  %upper = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 5 : i64}
      : tensor<9x10xf32>, tensor<10xf32>, tensor<9x5xf32>, tensor<5xf32>
  %o2, %s2 = rnn.dynamic_rnn %upper(%o1 : tensor<?x?x4xf32>) sequence_length(%len : tensor<?xi32>)
      initial_state(%h1 : tensor<?x5xf32>) {time_major} -> tensor<?x?x5xf32>, tensor<?x5xf32>
  return %o2, %use, %s2 : tensor<?x?x5xf32>, tensor<?x4xf32>, tensor<?x5xf32>
}

// -----

// Not fused: the lower outputs are also a result; the upper runs in reverse.

// CHECK-LABEL: func.func @no_fusion
// CHECK-COUNT-2: rnn.dynamic_rnn
// CHECK-NOT:     rnn.multi_rnn_cell
func.func @no_fusion(%x: tensor<6x2x3xf32>) -> (tensor<6x2x4xf32>, tensor<6x2x4xf32>) {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %k2 = arith.constant dense<0.1> : tensor<8x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %c1 = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %c2 = rnn.basic_rnn_cell %k2, %b {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %o1, %s1 = rnn.dynamic_rnn %c1(%x : tensor<6x2x3xf32>) {time_major} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  %o2, %s2 = rnn.dynamic_rnn %c2(%o1 : tensor<6x2x4xf32>) {time_major, reverse} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  return %o1, %o2 : tensor<6x2x4xf32>, tensor<6x2x4xf32>
}

// -----

// Not fused: go_backwards outputs come in processing order, which the upper
// sequence reads as its inputs (and flips again when it goes backwards too).

// CHECK-LABEL: func.func @go_backwards
// CHECK-COUNT-2: rnn.dynamic_rnn
// CHECK-NOT:     rnn.multi_rnn_cell
func.func @go_backwards(%x: tensor<6x2x3xf32>) -> tensor<6x2x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %k2 = arith.constant dense<0.1> : tensor<8x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %c1 = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %c2 = rnn.basic_rnn_cell %k2, %b {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %o1, %s1 = rnn.dynamic_rnn %c1(%x : tensor<6x2x3xf32>) {time_major, go_backwards} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  %o2, %s2 = rnn.dynamic_rnn %c2(%o1 : tensor<6x2x4xf32>) {time_major, go_backwards} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  return %o2 : tensor<6x2x4xf32>
}

// -----

// Unrolled sequences stay unrolled when fused.

// CHECK-LABEL: func.func @unrolled
// CHECK: rnn.dynamic_rnn %{{.*}}(%{{.*}} : tensor<6x2x3xf32>) {time_major, unroll}
// CHECK-NOT: rnn.dynamic_rnn
func.func @unrolled(%x: tensor<6x2x3xf32>) -> tensor<6x2x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %k2 = arith.constant dense<0.1> : tensor<8x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %c1 = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %c2 = rnn.basic_rnn_cell %k2, %b {num_units = 4 : i64} : tensor<8x4xf32>, tensor<4xf32>
  %o1, %s1 = rnn.dynamic_rnn %c1(%x : tensor<6x2x3xf32>) {time_major, unroll} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  %o2, %s2 = rnn.dynamic_rnn %c2(%o1 : tensor<6x2x4xf32>) {time_major, unroll} -> tensor<6x2x4xf32>, tensor<2x4xf32>
  return %o2 : tensor<6x2x4xf32>
}
