// RUN: rnnc-opt %s --rnn-decompose-cells --split-input-file | FileCheck %s

// An LSTM becomes a custom cell: the kernel split into its input rows [0, 3)
// and recurrent rows [3, 7) (so that the input matmul can be hoisted), the
// states (c, h), and a step of matmuls and elementwise gate math that yields
// (h, c, h).

// CHECK-LABEL: func.func @lstm
// CHECK:         %[[KX:.*]] = tensor.extract_slice %[[K:.*]][0, 0] [3, 16] [1, 1] : tensor<7x16xf32> to tensor<3x16xf32>
// CHECK:         %[[KH:.*]] = tensor.extract_slice %[[K]][3, 0] [4, 16] [1, 1] : tensor<7x16xf32> to tensor<4x16xf32>
// CHECK:         %[[CELL:.*]] = rnn.custom_cell(%[[KX]], %[[KH]], %{{.*}} : tensor<3x16xf32>, tensor<4x16xf32>, tensor<16xf32>)
// CHECK-SAME:      input_features = 3 : i64, output_features = 4 : i64, state_features = array<i64: 4, 4>
// CHECK:         ^bb0(%[[X:.*]]: tensor<?x3xf32>, %[[C:.*]]: tensor<?x4xf32>, %[[H:.*]]: tensor<?x4xf32>,
// CHECK:           linalg.matmul ins(%[[X]], %{{.*}} : tensor<?x3xf32>, tensor<3x16xf32>)
// CHECK:           linalg.matmul ins(%[[H]], %{{.*}} : tensor<?x4xf32>, tensor<4x16xf32>)
// CHECK:           math.tanh
// CHECK:           rnn.yield %[[OUT:.*]], %{{.*}}, %[[OUT]] : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
// CHECK-NOT:     rnn.lstm_cell
// CHECK:         rnn.dynamic_rnn %[[CELL]]
func.func @lstm(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x16xf32>
  %b = arith.constant dense<0.0> : tensor<16xf32>
  %cell = rnn.lstm_cell %k, %b {num_units = 4 : i64} : tensor<7x16xf32>, tensor<16xf32>
  %y, %c, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}

// -----

// A GRU with linear_before_reset: r * (h C_h + hidden_bias) inside the
// candidate; the gates and candidate kernels are both split.

// CHECK-LABEL: func.func @gru
// CHECK-COUNT-4: tensor.extract_slice
// CHECK:         rnn.custom_cell
// CHECK-SAME:      state_features = array<i64: 5>
// CHECK-COUNT-4:   linalg.matmul
// CHECK:           math.fma
// CHECK:           rnn.yield
// CHECK-NOT:     rnn.gru_cell
func.func @gru(%x: tensor<?x?x3xf32>) -> tensor<?x?x5xf32> {
  %gk = arith.constant dense<0.1> : tensor<8x10xf32>
  %gb = arith.constant dense<1.0> : tensor<10xf32>
  %ck = arith.constant dense<0.2> : tensor<8x5xf32>
  %cb = arith.constant dense<0.0> : tensor<5xf32>
  %hb = arith.constant dense<0.5> : tensor<5xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb hidden_bias(%hb : tensor<5xf32>) {num_units = 5 : i64, linear_before_reset}
      : tensor<8x10xf32>, tensor<10xf32>, tensor<8x5xf32>, tensor<5xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x5xf32>, tensor<?x5xf32>
  return %y : tensor<?x?x5xf32>
}
