
func.func @outputs_shape(%x: tensor<2x5x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'outputs' must have shape [2, 5, 8], got [5, 2, 8]}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<2x5x3xf32>) -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

