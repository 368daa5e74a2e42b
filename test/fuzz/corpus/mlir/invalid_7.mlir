
func.func @lstm_partial_peepholes(%k: tensor<12x32xf32>, %b: tensor<32xf32>, %d: tensor<8xf32>) {
  // expected-error @+1 {{peepholes need all three of w_i_diag, w_f_diag, w_o_diag}}
  %cell = "rnn.lstm_cell"(%k, %b, %d) <{num_units = 8 : i64,
      operandSegmentSizes = array<i32: 1, 1, 1, 0, 0, 0>}>
      : (tensor<12x32xf32>, tensor<32xf32>, tensor<8xf32>) -> !rnn.cell
  return
}

