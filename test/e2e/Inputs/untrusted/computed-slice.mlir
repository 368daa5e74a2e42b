// Slices at offsets and of sizes computed from data (computed-slice.test):
// row = x[k0], total = sum of x[k0 : k0 + k1], patched = x with row k2 set
// to ones.
func.func @m(%x: tensor<?x4xf32> {rnn.name = "x"}, %k: tensor<3xf32> {rnn.name = "k"})
    -> (tensor<4xf32> {rnn.name = "row"}, tensor<4xf32> {rnn.name = "total"},
        tensor<?x4xf32> {rnn.name = "patched"}) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %k0 = tensor.extract %k[%c0] : tensor<3xf32>
  %k1 = tensor.extract %k[%c1] : tensor<3xf32>
  %k2 = tensor.extract %k[%c2] : tensor<3xf32>
  %w0 = arith.fptosi %k0 : f32 to i64
  %w1 = arith.fptosi %k1 : f32 to i64
  %w2 = arith.fptosi %k2 : f32 to i64
  %start = arith.index_cast %w0 : i64 to index
  %count = arith.index_cast %w1 : i64 to index
  %at = arith.index_cast %w2 : i64 to index
  %row = tensor.extract_slice %x[%start, 0] [1, 4] [1, 1] : tensor<?x4xf32> to tensor<4xf32>
  %rows = tensor.extract_slice %x[%start, 0] [%count, 4] [1, 1] : tensor<?x4xf32> to tensor<?x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %total = linalg.reduce ins(%rows : tensor<?x4xf32>) outs(%init : tensor<4xf32>) dimensions = [0]
    (%in: f32, %acc: f32) {
      %s = arith.addf %in, %acc : f32
      linalg.yield %s : f32
    }
  %one = arith.constant 1.0 : f32
  %e1 = tensor.empty() : tensor<4xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e1 : tensor<4xf32>) -> tensor<4xf32>
  %patched = tensor.insert_slice %ones into %x[%at, 0] [1, 4] [1, 1] : tensor<4xf32> into tensor<?x4xf32>
  return %row, %total, %patched : tensor<4xf32>, tensor<4xf32>, tensor<?x4xf32>
}
