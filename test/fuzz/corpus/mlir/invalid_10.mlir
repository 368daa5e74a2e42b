
func.func @lstm_projection_changes_kernel_rows(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %p: tensor<8x12xf32>) {
  // expected-error @+1 {{'kernel' must have input_depth + 12 rows with input_depth >= 1, got shape [12, 32]}}
  %cell = rnn.lstm_cell %k, %b projection(%p : tensor<8x12xf32>) {num_units = 8 : i64}
      : tensor<12x32xf32>, tensor<32xf32>
  return
}

