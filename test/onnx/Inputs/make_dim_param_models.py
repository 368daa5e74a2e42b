"""make_dim_param_models.py DIR: LSTMs whose sizes ONNX names with dim_param
(dim-params.test): time_major.onnx (X [seq, batch, 4], initial_h
[1, batch, 8]) and batch_major.onnx (X [batch, seq, 4] transposed before the
LSTM, as torch.onnx.export writes batch_first models), two_sequences.onnx (two
LSTMs on X1 and X2 that nothing but their names ties), stacked.onnx (two
layers, h_n the Concat of their Y_h), and an input of the batch-major one."""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(5)
H, I = 8, 4
weights = [numpy_helper.from_array(rng.uniform(-0.5, 0.5, shape).astype(np.float32), name)
           for name, shape in [("W", (1, 4 * H, I)), ("R", (1, 4 * H, H)), ("B", (1, 8 * H))]]


def save(name, nodes, inputs, outputs):
    graph = helper.make_graph(nodes, name, inputs, outputs, weights)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out, name + ".onnx"))


f = TensorProto.FLOAT
save("time_major",
     [helper.make_node("LSTM", ["X", "W", "R", "B", "", "h0"], ["Y", "Y_h"], hidden_size=H)],
     [helper.make_tensor_value_info("X", f, ["seq", "batch", I]),
      helper.make_tensor_value_info("h0", f, [1, "batch", H])],
     [helper.make_tensor_value_info("Y", f, ["seq", 1, "batch", H]),
      helper.make_tensor_value_info("Y_h", f, [1, "batch", H])])
save("batch_major",
     [helper.make_node("Transpose", ["X"], ["Xt"], perm=[1, 0, 2]),
      helper.make_node("LSTM", ["Xt", "W", "R", "B"], ["Y", "Y_h"], hidden_size=H)],
     [helper.make_tensor_value_info("X", f, ["batch", "seq", I])],
     [helper.make_tensor_value_info("Y", f, ["seq", 1, "batch", H]),
      helper.make_tensor_value_info("Y_h", f, [1, "batch", H])])
save("two_sequences",
     [helper.make_node("LSTM", ["X1", "W", "R", "B"], ["Y1"], hidden_size=H),
      helper.make_node("LSTM", ["X2", "W", "R", "B"], ["Y2"], hidden_size=H)],
     [helper.make_tensor_value_info("X1", f, ["seq", "batch", I]),
      helper.make_tensor_value_info("X2", f, ["seq", "batch", I])],
     [helper.make_tensor_value_info("Y1", f, ["seq", 1, "batch", H]),
      helper.make_tensor_value_info("Y2", f, ["seq", 1, "batch", H])])
# Two layers as torch.onnx.export writes them: the second reads the first's Y
# squeezed, h_n concatenates their Y_h.
weights.append(numpy_helper.from_array(np.array([1], np.int64), "axis1"))
weights += [numpy_helper.from_array(rng.uniform(-0.5, 0.5, shape).astype(np.float32), name)
            for name, shape in [("W2", (1, 4 * H, H)), ("R2", (1, 4 * H, H)), ("B2", (1, 8 * H))]]
save("stacked",
     [helper.make_node("LSTM", ["X", "W", "R", "B"], ["Y1", "h1"], hidden_size=H),
      helper.make_node("Squeeze", ["Y1", "axis1"], ["X2"]),
      helper.make_node("LSTM", ["X2", "W2", "R2", "B2"], ["Y", "h2"], hidden_size=H),
      helper.make_node("Concat", ["h1", "h2"], ["h_n"], axis=0)],
     [helper.make_tensor_value_info("X", f, ["seq", "batch", I])],
     [helper.make_tensor_value_info("Y", f, ["seq", 1, "batch", H]),
      helper.make_tensor_value_info("h_n", f, ["layers", "batch", H])])
np.save(os.path.join(out, "x_batch_major.npy"), rng.standard_normal((3, 5, I)).astype(np.float32))
