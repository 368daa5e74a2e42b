
func.func @go_backwards_with_lengths(%x: tensor<5x2x3xf32>, %len: tensor<2xi32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'go_backwards' flips the whole padded sequence and takes no 'sequence_length'; use 'reverse' or a 'mask'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xi32>) {time_major, go_backwards}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

