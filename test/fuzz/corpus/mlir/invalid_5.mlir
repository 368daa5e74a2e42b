
func.func @rnn_unknown_activation(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{unknown activation 'gelu'}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64, activation = #rnn.activation<gelu>} : tensor<11x8xf32>, tensor<8xf32>
  return
}

