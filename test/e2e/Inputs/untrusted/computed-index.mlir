// Reads row k[0] of x: an index computed from data (computed-index.test).
func.func @m(%x: tensor<?x4xf32> {rnn.name = "x"}, %k: tensor<1xf32> {rnn.name = "k"})
    -> (tensor<4xf32> {rnn.name = "row"}) {
  %c0 = arith.constant 0 : index
  %v = tensor.extract %k[%c0] : tensor<1xf32>
  %wide = arith.fptosi %v : f32 to i64
  %i = arith.index_cast %wide : i64 to index
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      outs(%e : tensor<4xf32>) {
  ^bb0(%out: f32):
    %j = linalg.index 0 : index
    %value = tensor.extract %x[%i, %j] : tensor<?x4xf32>
    linalg.yield %value : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
