
func.func @final_state_count(%x: tensor<5x2x3xf32>, %k: tensor<11x32xf32>, %b: tensor<32xf32>) {
  %cell = rnn.lstm_cell %k, %b {num_units = 8 : i64} : tensor<11x32xf32>, tensor<32xf32>
  // expected-error @+1 {{expects 2 final_state tensors (one per state of every layer), got 1}}
  %out, %h1 = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major} -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

