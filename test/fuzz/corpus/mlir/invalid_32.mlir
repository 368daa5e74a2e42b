
func.func @go_backwards_and_reverse(%x: tensor<5x2x3xf32>, %k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  // expected-error @+1 {{takes 'go_backwards' (flip the padded sequence, Keras) or 'reverse' (backwards within each length, TF/ONNX), not both}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) {time_major, go_backwards, reverse}
      -> tensor<5x2x8xf32>, tensor<2x8xf32>
  return
}

