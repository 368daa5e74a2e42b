// RUN: rnnc-opt %s -split-input-file -verify-diagnostics

func.func @rnn_kernel_columns(%k: tensor<11x7xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have 8 columns, got shape [11, 7]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x7xf32>, tensor<8xf32>
  return
}

