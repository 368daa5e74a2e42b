
func.func @lstm_cell_clip_positive(%k: tensor<12x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'cell_clip' must be positive}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64, cell_clip = -1.0 : f32} : tensor<12x32xf32>, tensor<32xf32>
  return
}

