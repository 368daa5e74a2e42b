
func.func @unroll_too_long(%x: tensor<5000x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{'unroll' of 5000 time steps exceeds the limit of 1024}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5000x2x3xf32>) {time_major, unroll}
      -> tensor<5000x2x8xf32>, tensor<2x8xf32>
  return
}

