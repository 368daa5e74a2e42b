// An embedding lookup as rnnc's ONNX importer writes a Gather on run-time
// indices (RuntimeTest's GatherIndicesCheckedByTheRuntime).
#tokens = affine_map<(d0, d1) -> (d0)>
#rows = affine_map<(d0, d1) -> (d0, d1)>
func.func @embedding(%tokens: tensor<?xi64> {rnn.name = "tokens"})
    -> (tensor<?x3xf32> {rnn.name = "embedded"}) {
  %table = arith.constant dense<[[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0],
                                 [9.0, 10.0, 11.0]]> : tensor<4x3xf32>
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %n = tensor.dim %tokens, %c0 : tensor<?xi64>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %r = linalg.generic {indexing_maps = [#tokens, #rows], iterator_types = ["parallel", "parallel"]}
      ins(%tokens : tensor<?xi64>) outs(%e : tensor<?x3xf32>) attrs = {rnn.gather_axis = 0 : i64} {
  ^bb0(%t: i64, %o: f32):
    %i = arith.index_cast %t : i64 to index
    %negative = arith.cmpi slt, %i, %c0 : index
    %wrapped = arith.addi %i, %c4 : index
    %row = arith.select %negative, %wrapped, %i : index
    %j = linalg.index 1 : index
    %v = tensor.extract %table[%row, %j] : tensor<4x3xf32>
    linalg.yield %v : f32
  } -> tensor<?x3xf32>
  return %r : tensor<?x3xf32>
}
