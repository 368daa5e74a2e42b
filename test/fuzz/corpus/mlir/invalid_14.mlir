
func.func @gru_hidden_bias_needs_lbr(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'hidden_bias' is only used with 'linear_before_reset'}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb hidden_bias(%cb : tensor<4xf32>) {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

