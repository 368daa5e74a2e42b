// RUN: rnnc-opt %s --rnn-expose-state --split-input-file | FileCheck %s

// A sequence without initial state gets one argument per state leaf; the
// returned h keeps its place (now named), c is returned under its role name.

// CHECK-LABEL: func.func @lstm
// CHECK-SAME:    (%[[X:.*]]: tensor<?x?x3xf32>, %[[C0:.*]]: tensor<?x4xf32> {rnn.name = "initial_state/0/c"}, %[[H0:.*]]: tensor<?x4xf32> {rnn.name = "initial_state/0/h"})
// CHECK-SAME:    -> (tensor<?x?x4xf32>, tensor<?x4xf32> {rnn.name = "final_state/0/h"}, tensor<?x4xf32> {rnn.name = "final_state/0/c"})
// CHECK:         %[[OUT:.*]], %[[STATES:.*]]:2 = rnn.dynamic_rnn %{{.*}}(%[[X]] : tensor<?x?x3xf32>) initial_state(%[[C0]], %[[H0]] : tensor<?x4xf32>, tensor<?x4xf32>)
// CHECK:         return %[[OUT]], %[[STATES]]#1, %[[STATES]]#0
func.func @lstm(%x: tensor<?x?x3xf32>) -> (tensor<?x?x4xf32>, tensor<?x4xf32>) {
  %k = arith.constant dense<0.1> : tensor<7x16xf32>
  %b = arith.constant dense<0.0> : tensor<16xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 4 : i64} : tensor<7x16xf32>, tensor<16xf32>
  %o, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
  return %o, %h : tensor<?x?x4xf32>, tensor<?x4xf32>
}

// -----

// Layers are numbered across sequences; a sequence that already has an
// initial state is left alone.

// CHECK-LABEL: func.func @chain
// CHECK-SAME:    %[[H:[^:]*]]: tensor<?x4xf32>, %{{[^:]*}}: tensor<?x5xf32> {rnn.name = "initial_state/1"})
// CHECK-SAME:    -> (tensor<?x?x5xf32>, tensor<?x5xf32> {rnn.name = "final_state/1"})
// CHECK:         rnn.dynamic_rnn %{{.*}} initial_state(%[[H]] : tensor<?x4xf32>)
func.func @chain(%x: tensor<?x?x3xf32>, %h: tensor<?x4xf32>) -> tensor<?x?x5xf32> {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %lower = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %o1, %s1 = rnn.dynamic_rnn %lower(%x : tensor<?x?x3xf32>) initial_state(%h : tensor<?x4xf32>)
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %k2 = arith.constant dense<0.1> : tensor<9x5xf32>
  %b2 = arith.constant dense<0.0> : tensor<5xf32>
  %upper = rnn.basic_rnn_cell %k2, %b2 {num_units = 5 : i64} : tensor<9x5xf32>, tensor<5xf32>
  %o2, %s2 = rnn.dynamic_rnn %upper(%o1 : tensor<?x?x4xf32>) -> tensor<?x?x5xf32>, tensor<?x5xf32>
  return %o2 : tensor<?x?x5xf32>
}
