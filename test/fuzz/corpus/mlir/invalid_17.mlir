
func.func @sequence_cell_not_from_op(%cell: !rnn.cell, %x: tensor<5x2x3xf32>) {
  // expected-error @+1 {{'cell' must be produced by rnn cell ops (rnn.*_cell or rnn.multi_rnn_cell)}}
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<5x2x3xf32>) -> tensor<2x5x8xf32>, tensor<2x8xf32>
  return
}

