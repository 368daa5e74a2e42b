
func.func @sequence_length_type(%x: tensor<5x2x3xf32>, %len: tensor<2xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{operand #2 must be 1D tensor of 32-bit signless integer or 64-bit signless integer values}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) sequence_length(%len : tensor<2xf32>) {time_major}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

