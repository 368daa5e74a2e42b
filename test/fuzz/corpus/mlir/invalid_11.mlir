
func.func @lstm_proj_clip_without_projection(%k: tensor<12x32xf32>, %b: tensor<32xf32>) {
  // expected-error @+1 {{'proj_clip' needs a projection kernel (num_proj)}}
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64, proj_clip = 1.0 : f32} : tensor<12x32xf32>, tensor<32xf32>
  return
}

