// Splits one run-time size into two: MLIR 19's bufferization cannot lower it
// (it crashed rnnc): refused (model-allowlist.test).
func.func @m(%x: tensor<?x3xf32> {rnn.name = "x"}, %y: tensor<?x?x3xf32> {rnn.name = "y"}) -> (tensor<?x?x3xf32> {rnn.name = "z"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = tensor.dim %y, %c0 : tensor<?x?x3xf32>
  %b = tensor.dim %y, %c1 : tensor<?x?x3xf32>
  %e = tensor.expand_shape %x [[0, 1], [2]] output_shape [%a, %b, 3] : tensor<?x3xf32> into tensor<?x?x3xf32>
  return %e : tensor<?x?x3xf32>
}
