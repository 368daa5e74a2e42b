func.func @m(%x: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  %r = llvm.inline_asm has_side_effects "ud2", "" : () -> i32
  return %x : tensor<?x?x4xf32>
}
