
func.func @zero_output_needs_mask(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'zero_output_for_mask' needs 'mask'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, zero_output_for_mask}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

