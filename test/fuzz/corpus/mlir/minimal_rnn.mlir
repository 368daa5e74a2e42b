// Keras's MinimalRNNCell (the custom-cell example of keras.layers.RNN):
//   output = x @ kernel + prev_output @ recurrent_kernel; state = [output]
// over a [B, T, 3] input with a Keras mask, as rnnc compiles it.
func.func @minimal_rnn(%x: tensor<?x?x3xf32>, %mask: tensor<?x?xi1>) -> (tensor<?x?x4xf32>, tensor<?x4xf32>) {
  %kernel = arith.constant dense<[[0.5, -0.25, 0.125, 0.3], [-0.4, 0.2, 0.6, -0.1], [0.05, 0.15, -0.35, 0.45]]> : tensor<3x4xf32>
  %recurrent = arith.constant dense<[[0.1, 0.2, -0.3, 0.0], [-0.2, 0.1, 0.05, 0.3], [0.25, -0.15, 0.1, -0.05], [0.0, 0.3, -0.2, 0.1]]> : tensor<4x4xf32>
  %cell = rnn.custom_cell(%kernel, %recurrent : tensor<3x4xf32>, tensor<4x4xf32>)
      attributes {input_features = 3 : i64, state_features = array<i64: 4>, output_features = 4 : i64} {
  ^bb0(%in: tensor<?x3xf32>, %prev: tensor<?x4xf32>, %w: tensor<3x4xf32>, %u: tensor<4x4xf32>):
    %c0 = arith.constant 0 : index
    %rows = tensor.dim %in, %c0 : tensor<?x3xf32>
    %zero = arith.constant 0.0 : f32
    %empty = tensor.empty(%rows) : tensor<?x4xf32>
    %init = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x4xf32>) -> tensor<?x4xf32>
    %h = linalg.matmul ins(%in, %w : tensor<?x3xf32>, tensor<3x4xf32>) outs(%init : tensor<?x4xf32>) -> tensor<?x4xf32>
    %out = linalg.matmul ins(%prev, %u : tensor<?x4xf32>, tensor<4x4xf32>) outs(%h : tensor<?x4xf32>) -> tensor<?x4xf32>
    rnn.yield %out, %out : tensor<?x4xf32>, tensor<?x4xf32>
  }
  %outputs, %state = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>)
      -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %outputs, %state : tensor<?x?x4xf32>, tensor<?x4xf32>
}
