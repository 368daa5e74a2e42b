
func.func @mask_shape(%x: tensor<5x2x3xf32>, %mask: tensor<5x2xi1>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'mask' must have shape [B, T] = [2, 5], got [5, 2]}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) mask(%mask : tensor<5x2xi1>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

