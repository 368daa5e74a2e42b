func.func @bad(%x: tensor<?x?x4xf32>) -> (tensor<?x?x8xf32>, tensor<?x8xf32>) {
  %k = arith.constant dense<0.1> : tensor<11x8xf32>
  %b = arith.constant dense<0.0> : tensor<8xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 8 : i64} : tensor<11x8xf32>, tensor<8xf32>
  %out, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x4xf32>) -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %out, %h : tensor<?x?x8xf32>, tensor<?x8xf32>
}
