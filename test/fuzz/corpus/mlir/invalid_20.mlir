
func.func @sequence_length_batch(%x: tensor<5x2x3xf32>, %len: tensor<3xi32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'sequence_length' has 3 entries but the batch size is 2}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<3xi32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

