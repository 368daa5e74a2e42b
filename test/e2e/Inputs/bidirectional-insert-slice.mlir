// A bidirectional stack joined with tensor.dim + insert_slice (sizes.test).
func.func @bidi(%x: tensor<?x?x3xf32> {rnn.name = "x"}) -> (tensor<?x?x8xf32> {rnn.name = "y"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %k0 = arith.constant dense<0.1> : tensor<7x4xf32>
  %b0 = arith.constant dense<0.0> : tensor<4xf32>
  %cf = rnn.basic_rnn_cell %k0, %b0 {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %cb = rnn.basic_rnn_cell %k0, %b0 {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %yf, %hf = rnn.dynamic_rnn %cf(%x : tensor<?x?x3xf32>) {time_major} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %yb, %hb = rnn.dynamic_rnn %cb(%x : tensor<?x?x3xf32>) {time_major, reverse} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  %t = tensor.dim %yf, %c0 : tensor<?x?x4xf32>
  %b = tensor.dim %yf, %c1 : tensor<?x?x4xf32>
  %e = tensor.empty(%t, %b) : tensor<?x?x8xf32>
  %j0 = tensor.insert_slice %yf into %e[0, 0, 0] [%t, %b, 4] [1, 1, 1] : tensor<?x?x4xf32> into tensor<?x?x8xf32>
  %j = tensor.insert_slice %yb into %j0[0, 0, 4] [%t, %b, 4] [1, 1, 1] : tensor<?x?x4xf32> into tensor<?x?x8xf32>
  %k1 = arith.constant dense<0.05> : tensor<16x8xf32>
  %b1 = arith.constant dense<0.0> : tensor<8xf32>
  %c2 = rnn.basic_rnn_cell %k1, %b1 {num_units = 8 : i64} : tensor<16x8xf32>, tensor<8xf32>
  %y, %h = rnn.dynamic_rnn %c2(%j : tensor<?x?x8xf32>) {time_major} -> tensor<?x?x8xf32>, tensor<?x8xf32>
  return %y : tensor<?x?x8xf32>
}
