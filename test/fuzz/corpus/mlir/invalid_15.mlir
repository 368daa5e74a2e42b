
func.func @gru_kernel_rows_differ(%gk: tensor<7x8xf32>, %gb: tensor<8xf32>, %ck: tensor<6x4xf32>, %cb: tensor<4xf32>) {
  // expected-error @+1 {{'gates_kernel' and 'candidate_kernel' must have the same number of rows, got 7 and 6}}
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<6x4xf32>, tensor<4xf32>
  return
}

