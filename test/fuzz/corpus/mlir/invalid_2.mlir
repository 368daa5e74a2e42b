
func.func @rnn_bias_shape(%k: tensor<11x8xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'bias' must have shape [8], got [4]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<4xf32>
  return
}

