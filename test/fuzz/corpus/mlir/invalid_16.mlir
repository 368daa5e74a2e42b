
func.func @stack_depth_mismatch(%k1: tensor<11x8xf32>, %b1: tensor<8xf32>, %k2: tensor<10x4xf32>, %b2: tensor<4xf32>) {
  %c1 = rnn.basic_rnn_cell %k1, %b1 {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  %c2 = rnn.basic_rnn_cell %k2, %b2 {num_units = 4 : i64} : tensor<10x4xf32>, tensor<4xf32>
  // expected-error @+1 {{layer 1 expects inputs of depth 6 but layer 0 outputs 8 features}}
  %s = rnn.multi_rnn_cell %c1, %c2
  return
}

