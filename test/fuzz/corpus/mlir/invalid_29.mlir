
func.func @mask_and_lengths(%x: tensor<5x2x3xf32>, %len: tensor<2xi32>, %mask: tensor<2x5xi1>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{takes 'sequence_length' or 'mask', not both}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xi32>) mask(%mask : tensor<2x5xi1>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

