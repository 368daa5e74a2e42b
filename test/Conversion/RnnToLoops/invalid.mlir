// RUN: rnnc-opt %s --convert-rnn-to-loops --split-input-file --verify-diagnostics

// Built-in cells are lowered as custom cells: rnn-decompose-cells first.
func.func @built_in(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %k = arith.constant dense<0.1> : tensor<7x4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  // expected-error @+1 {{has built-in cells: they are lowered as custom cells, after rnn-decompose-cells}}
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}
