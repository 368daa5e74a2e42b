"""Writes .mlir files nested 10,000 levels deep in each syntactic position
(model-nesting.test), and one nested within the limit."""
import os
import sys

out = sys.argv[1]
n = 10000
body = "func.func @m(%x: tensor<4xf32>) -> tensor<4xf32> {{\n{}  return %x : tensor<4xf32>\n}}\n"
files = {
    "attribute": body.format("  %c = arith.constant dense<" + "[" * n + "1.0" + "]" * n +
                             "> : tensor<1xf32>\n"),
    "regions": '"builtin.module"() ({' * n + body.format("") + "}) : () -> ()" * n + "\n",
    "types": body.format("  %c = tensor.empty() : " + "tensor<" * n + "f32" + ">" * n + "\n"),
    "locations": body.format("  %c = arith.constant 1.0 : f32 loc(" + "fused[" * n + '"x"' +
                             "]" * n + ")\n"),
    "shallow": '"builtin.module"() ({' * 100 + body.format("") + "}) : () -> ()" * 100 + "\n",
}
for name, text in files.items():
    with open(os.path.join(out, name + ".mlir"), "w") as f:
        f.write(text)
