
func.func @lstm_projection_rows(%k: tensor<9x32xf32>, %b: tensor<32xf32>, %p: tensor<7x5xf32>) {
  // expected-error @+1 {{'proj_kernel' must have shape [8, num_proj], got [7, 5]}}
  %cell = rnn.lstm_cell %k, %b projection(%p : tensor<7x5xf32>) {num_units = 8 : i64}
      : tensor<9x32xf32>, tensor<32xf32>
  return
}

