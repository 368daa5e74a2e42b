"""make_named_model.py OUT.mlir: a model whose inputs and outputs carry names
that are C/C++ keywords, standard names, rnnrt's names, the generated code's
locals, reserved identifiers and names that collide once sanitized
(header-names.test)."""
import sys

names = ["int", "float", "double", "NULL", "size_t", "memcpy", "memset", "uint8_t", "int64_t",
         "INT32_MAX", "errno", "EOF", "assert", "in", "out", "status", "i", "t", "m", "rows",
         "instance", "return", "class", "new", "delete", "template", "typedef", "main", "std",
         "_Bool", "__x", "x__y", "_", "9lives", "a.b", "a-b", "a_b", "rnnrt_instance_run",
         "rnnrt_tensor_bytes", "model_run", "bool", "true", "nullptr", "auto", "T", "B"]
args = ", ".join(f'%a{i}: tensor<2xf32> {{rnn.name = "{n}"}}' for i, n in enumerate(names))
with open(sys.argv[1], "w") as f:
    f.write(f"func.func @named({args})\n")
    f.write('    -> (tensor<2xf32> {rnn.name = "y"}, tensor<2xf32> {rnn.name = "Y"},\n')
    f.write('        tensor<2xf32> {rnn.name = "memcmp"}) {\n')
    f.write("  return %a0, %a1, %a2 : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>\n}\n")
