
func.func @rnn_kernel_no_input_rows(%k: tensor<8x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have input_depth + 8 rows with input_depth >= 1, got shape [8, 8]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<8x8xf32>, tensor<8xf32>
  return
}

