
func.func @rnn_dynamic_weight(%k: tensor<?x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{'kernel' must have a static shape, got [?, 8]}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<?x8xf32>, tensor<8xf32>
  return
}

