
func.func @lstm_peephole_shape(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %d: tensor<8xf32>, %e: tensor<7xf32>) {
  // expected-error @+1 {{'w_f_diag' must have shape [8], got [7]}}
  %cell = rnn.lstm_cell %k, %b peepholes(%d, %e, %d : tensor<8xf32>, tensor<7xf32>, tensor<8xf32>)
      {num_units = 8 : i64} : tensor<12x32xf32>, tensor<32xf32>
  return
}

