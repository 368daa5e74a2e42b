// A call whose callee is not in the model.
func.func @m(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %y = "func.call"(%x) {callee = @elsewhere} : (tensor<?x?x4xf32>) -> tensor<?x?x4xf32>
  return %y : tensor<?x?x4xf32>
}
