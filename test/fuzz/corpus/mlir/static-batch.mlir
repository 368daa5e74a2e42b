// A GRU over a static batch of 2 (rnnc compile's --batch has nothing to fix).
func.func @gru(%x: tensor<?x2x3xf32>) -> tensor<?x2x4xf32> {
  %gk = arith.constant dense<0.1> : tensor<7x8xf32>
  %gb = arith.constant dense<1.0> : tensor<8xf32>
  %ck = arith.constant dense<0.2> : tensor<7x4xf32>
  %cb = arith.constant dense<0.0> : tensor<4xf32>
  %cell = rnn.gru_cell %gk, %gb, %ck, %cb {num_units = 4 : i64}
      : tensor<7x8xf32>, tensor<8xf32>, tensor<7x4xf32>, tensor<4xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x2x3xf32>) {time_major}
      -> tensor<?x2x4xf32>, tensor<2x4xf32>
  return %y : tensor<?x2x4xf32>
}
