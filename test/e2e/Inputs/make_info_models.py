"""make_info_models.py DIR: models for info.test. lstm_state.onnx: PyTorch's
export of a 2-layer LSTM called with (h0, c0), dynamic batch and time;
two_unsupported.onnx: an LSTM between two ops rnnc does not support."""
import os
import sys
import warnings

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper

warnings.filterwarnings("ignore")
root = sys.argv[1]
os.makedirs(root, exist_ok=True)


class WithState(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.LSTM(4, 6, num_layers=2)

    def forward(self, x, h0, c0):
        y, (h, c) = self.rnn(x, (h0, c0))
        return y, h, c


torch.onnx.export(WithState().eval(), (torch.zeros(5, 3, 4), torch.zeros(2, 3, 6), torch.zeros(2, 3, 6)),
                  os.path.join(root, "lstm_state.onnx"), input_names=["x", "h0", "c0"],
                  output_names=["y", "h_n", "c_n"], opset_version=14,
                  dynamic_axes={"x": {0: "time", 1: "batch"}, "h0": {1: "batch"},
                                "c0": {1: "batch"}, "y": {0: "time", 1: "batch"},
                                "h_n": {1: "batch"}, "c_n": {1: "batch"}})

W = helper.make_tensor("W", TensorProto.FLOAT, [1, 12, 2], np.zeros(24, np.float32))
R = helper.make_tensor("R", TensorProto.FLOAT, [1, 12, 3], np.zeros(36, np.float32))
graph = helper.make_graph(
    [helper.make_node("Erf", ["X"], ["E"], name="erf_node"),
     helper.make_node("LSTM", ["E", "W", "R"], ["Y"], name="lstm_node", hidden_size=3),
     helper.make_node("Mod", ["Y", "Y"], ["Z"], name="mod_node"),
     helper.make_node("Erf", ["Z"], ["out"], name="erf_again")],
    "two_unsupported", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [5, 2, 2])],
    [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)], [W, R])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]),
          os.path.join(root, "two_unsupported.onnx"))
