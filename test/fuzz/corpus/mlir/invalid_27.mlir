
func.func @activation_parameter_name(%k: tensor<11x8xf32>, %b: tensor<8xf32>) {
  // expected-error @+1 {{expected 'alpha' or 'beta', got 'gamma'}}
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64, activation = #rnn.activation<elu, gamma = 2.0>} : tensor<11x8xf32>, tensor<8xf32>
  return
}

