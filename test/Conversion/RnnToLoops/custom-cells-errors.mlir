// RUN: rnnc-opt %s --convert-rnn-to-loops --verify-diagnostics

// What the custom-cell lowering refuses, with the reason.

func.func @reverse(%x: tensor<5x2x3xf32>) -> tensor<5x2x4xf32> {
  %cell = rnn.custom_cell attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %h: tensor<?x4xf32>):
    rnn.yield %h, %h : tensor<?x4xf32>, tensor<?x4xf32>
  }
  // expected-error @+1 {{'reverse' with rnn.custom_cell is not supported yet; use 'go_backwards' (with a mask for padded rows)}}
  %y, %s = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, reverse} -> tensor<5x2x4xf32>, tensor<2x4xf32>
  return %y : tensor<5x2x4xf32>
}
