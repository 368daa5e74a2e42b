
func.func @gru_lbr_needs_hidden_bias(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'linear_before_reset' needs a 'hidden_bias' operand}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64, linear_before_reset}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

