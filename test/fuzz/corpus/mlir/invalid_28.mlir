
func.func @gate_clip_positive(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<7x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'gate_clip' must be positive}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64, gate_clip = 0.0 : f32}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  return
}

