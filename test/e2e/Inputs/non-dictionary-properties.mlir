// A custom cell whose linalg.matmul is given properties that are not a
// dictionary: MLIR 19's linalg parser casts them to one unchecked and crashes
// (found by rnnc-fuzz-mlir); rnnc refuses the text before parsing it.
func.func @cell(%x: tensor<?x?x3xf32>) -> tensor<?x?x4xf32> {
  %kernel = arith.constant dense<0.5> : tensor<3x4xf32>
  %cell = rnn.custom_cell(%kernel : tensor<3x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %prev: tensor<?x4xf32>, %w: tensor<3x4xf32>):
    %out = linalg.matmul<[[0.1]]> ins(%in, %w : tensor<?x3xf32>, tensor<3x4xf32>) outs(%prev : tensor<?x4xf32>) -> tensor<?x4xf32>
    rnn.yield %out, %out : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %outputs, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) {time_major}
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %outputs : tensor<?x?x4xf32>
}
