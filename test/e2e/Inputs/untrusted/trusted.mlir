// Harmless IR outside the allowlist: accepted only with --trusted-ir.
func.func @m(%x: tensor<?x?x4xf32> {rnn.name = "x"}) -> (tensor<?x?x4xf32> {rnn.name = "y"}) {
  %c = llvm.mlir.constant(2.0 : f32) : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %t = tensor.dim %x, %c0 : tensor<?x?x4xf32>
  %b = tensor.dim %x, %c1 : tensor<?x?x4xf32>
  %e = tensor.empty(%t, %b) : tensor<?x?x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<?x?x4xf32>) outs(%e : tensor<?x?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
