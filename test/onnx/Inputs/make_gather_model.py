"""make_gather_model.py DIR: an embedding lookup, Gather(table [10, 3],
tokens [N] int64), and token files in and out of range (gather-indices.test)."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
table = np.arange(30, dtype=np.float32).reshape(10, 3)
np.save(os.path.join(out, "table.npy"), table)
tokens = helper.make_tensor_value_info("tokens", onnx.TensorProto.INT64, ["N"])
embedded = helper.make_tensor_value_info("embedded", onnx.TensorProto.FLOAT, ["N", 3])
graph = helper.make_graph(
    [helper.make_node("Gather", ["table", "tokens"], ["embedded"], name="gather_node", axis=0)],
    "embedding", [tokens], [embedded], [numpy_helper.from_array(table, "table")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
with open(os.path.join(out, "embedding.onnx"), "wb") as f:
    f.write(model.SerializeToString())
for name, values in {"ok": [0, 9, -10, -1, 4], "over": [1, 10], "under": [-11]}.items():
    np.save(os.path.join(out, f"tokens_{name}.npy"), np.array(values, np.int64))
