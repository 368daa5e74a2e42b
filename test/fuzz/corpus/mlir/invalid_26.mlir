
func.func @zero_state_needs_lengths(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'zero_final_state_for_empty_rows' needs 'sequence_length'}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, zero_final_state_for_empty_rows}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

