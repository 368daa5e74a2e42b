
func.func @sequence_dynamic_depth(%x: tensor<5x2x?xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{the input depth (dimension 2 of 'inputs') must be static}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x?xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

