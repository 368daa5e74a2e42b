// A Keras SimpleRNN over a masked batch-major input that zeroes masked outputs
// (mask-bytes.test).
func.func @masked(%x: tensor<?x?x3xf32> {rnn.name = "x"}, %mask: tensor<?x?xi1> {rnn.name = "mask"})
    -> (tensor<?x?x4xf32> {rnn.name = "y"}) {
  %k = arith.constant dense<[[0.5, -0.3, 0.2, 0.1], [0.4, 0.2, -0.1, 0.3], [-0.2, 0.1, 0.3, 0.5],
                             [0.1, 0.2, 0.3, 0.4], [-0.1, 0.3, 0.2, -0.2], [0.2, -0.4, 0.1, 0.3],
                             [0.3, 0.1, -0.2, 0.2]]> : tensor<7x4xf32>
  %b = arith.constant dense<[0.1, -0.1, 0.05, 0.0]> : tensor<4xf32>
  %cell = rnn.basic_rnn_cell %k, %b {num_units = 4 : i64} : tensor<7x4xf32>, tensor<4xf32>
  %y, %h = rnn.dynamic_rnn %cell(%x : tensor<?x?x3xf32>) mask(%mask : tensor<?x?xi1>)
      {zero_output_for_mask} -> tensor<?x?x4xf32>, tensor<?x4xf32>
  return %y : tensor<?x?x4xf32>
}
