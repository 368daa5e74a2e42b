
func.func @rnn_num_units_positive(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{attribute 'num_units' failed to satisfy constraint}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 0 : i64} : tensor<11x8xf32>, tensor<8xf32>
  return
}

