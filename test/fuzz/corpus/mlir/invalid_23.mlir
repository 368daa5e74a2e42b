
func.func @initial_state_shape(%x: tensor<5x2x3xf32>, %c: tensor<2x8xf32>, %h: tensor<3x8xf32>, %k: tensor<11x32xf32>, %b: tensor<32xf32>) {
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  // expected-error @+1 {{initial_state #1 must have shape [2, 8], got [3, 8]}}
  %out, %c1, %h1 = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) initial_state(%c, %h : tensor<2x8xf32>, tensor<3x8xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
  return
}

