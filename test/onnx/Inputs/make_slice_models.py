"""make_slice_models.py DIR: an LSTM whose output Y [T, 1, B, H] is also sliced
along T (dynamic) and B (dynamic) with the bounds PyTorch exports write
(slice-clamping.test), and inputs of several T and B."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
D, H = 3, 4
W = numpy_helper.from_array(rng.randn(1, 4 * H, D).astype(np.float32), "W")
R = numpy_helper.from_array(rng.randn(1, 4 * H, H).astype(np.float32), "R")
X = helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, ["T", "B", D])
INT64_MAX = 2**63 - 1
# name: (starts, ends, axes)
cases = {
    "from3": ([3], [10**7], [0]),       # y[3:] with a huge end
    "to_end": ([1], [INT64_MAX], [0]),  # torch's y[1:]
    "last2": ([-2], [INT64_MAX], [0]),  # y[-2:]
    "head2": ([0], [2], [2]),           # y[:, :2] on the batch
    "mid": ([1], [-1], [0]),            # y[1:-1]
    "beyond": ([9], [12], [0]),         # start past T: empty
    "backwards": ([3], [1], [0]),       # end before start: empty
}
for name, (starts, ends, axes) in cases.items():
    consts = [numpy_helper.from_array(np.array(v, np.int64), f"{name}_{k}")
              for k, v in (("starts", starts), ("ends", ends), ("axes", axes))]
    nodes = [helper.make_node("LSTM", ["X", "W", "R"], ["Y"], name="lstm_node", hidden_size=H),
             helper.make_node("Slice", ["Y"] + [c.name for c in consts], ["S"], name="slice_node")]
    outputs = [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, None),
               helper.make_tensor_value_info("S", onnx.TensorProto.FLOAT, None)]
    graph = helper.make_graph(nodes, name, [X], outputs, [W, R] + consts)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(model.SerializeToString())
# y[-1], torch's last step: a Gather of a constant scalar index on T.
last = numpy_helper.from_array(np.array(-1, np.int64), "last_index")
graph = helper.make_graph(
    [helper.make_node("LSTM", ["X", "W", "R"], ["Y"], name="lstm_node", hidden_size=H),
     helper.make_node("Gather", ["Y", "last_index"], ["S"], name="gather_node", axis=0)],
    "last", [X], [helper.make_tensor_value_info("Y", onnx.TensorProto.FLOAT, None),
                  helper.make_tensor_value_info("S", onnx.TensorProto.FLOAT, None)], [W, R, last])
with open(os.path.join(out, "last.onnx"), "wb") as f:
    f.write(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]).SerializeToString())
np.save(os.path.join(out, "X_0_2.npy"), np.zeros((0, 2, D), np.float32))
for T, B in ((5, 3), (1, 1), (2, 1)):
    np.save(os.path.join(out, f"X_{T}_{B}.npy"), rng.randn(T, B, D).astype(np.float32))
