
func.func @lstm_kernel_columns(%k: tensor<12x16xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'kernel' must have 32 columns, got shape [12, 16]}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<12x16xf32>, tensor<32xf32>
  return
}

