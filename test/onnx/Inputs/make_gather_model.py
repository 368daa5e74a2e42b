"""make_gather_model.py DIR: an embedding lookup, Gather(table [10, 3],
tokens [N] int64), the table's rows in the order TopK gives n scores (indices the model
computes, which the runtime cannot check before the call), and token files in and out of range
(gather-indices.test)."""
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


def sorted_embedding(n):
    """Rows of table in the order of n scores, largest first: Gather of
    TopK's indices, which the model computes (n = 12 reaches past the table)."""
    scores = helper.make_tensor_value_info("scores", onnx.TensorProto.FLOAT, [n])
    rows = helper.make_tensor_value_info("rows", onnx.TensorProto.FLOAT, [n, 3])
    graph = helper.make_graph(
        [helper.make_node("TopK", ["scores", "k"], ["values", "order"], name="rank"),
         helper.make_node("Gather", ["table", "order"], ["rows"], name="sorted_gather", axis=0)],
        "sorted_embedding", [scores], [rows],
        [numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.array([n], np.int64), "k")])
    with open(os.path.join(out, f"sorted_{n}.onnx"), "wb") as f:
        f.write(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]).SerializeToString())
    np.save(os.path.join(out, f"scores_{n}.npy"), np.random.RandomState(n).randn(n).astype(np.float32))


sorted_embedding(10)
sorted_embedding(12)
for name, values in {"ok": [0, 9, -10, -1, 4], "over": [1, 10], "under": [-11]}.items():
    np.save(os.path.join(out, f"tokens_{name}.npy"), np.array(values, np.int64))
