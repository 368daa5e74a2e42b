func.func @m(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %m = memref.alloca() : memref<4xf32>
  return %x : tensor<?x?x4xf32>
}
