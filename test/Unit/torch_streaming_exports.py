#!/usr/bin/env python3
"""torch_streaming_exports.py DIR: PyTorch models exported to ONNX for
OnnxStreamingTest, with inputs and torch's outputs for one whole sequence
(T = 15, B = 3): DIR/<model>.onnx, DIR/<model>_<input>.npy,
DIR/<model>_expected_<output>.npy.

- lstm_h0c0: a 2-layer LSTM called with (h0, c0) (paired h0 <-> h_n, c0 <-> c_n).
- gru_no_h0: a batch_first GRU called without h0 (the zero state is exposed).
- gru_h0_twice: a GRU returning h_n twice (ambiguous: paired by an option)."""
import os
import sys
import warnings

import numpy as np
import torch

warnings.filterwarnings("ignore")
T, B, I, H = 15, 3, 4, 5


class TwiceState(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = torch.nn.GRU(I, H)

    def forward(self, x, h0):
        y, h = self.rnn(x, h0)
        return y, h, h.clone()


def export(root, name, module, inputs, input_names, output_names, dynamic):
    module.eval()
    torch.onnx.export(module, tuple(inputs), os.path.join(root, name + ".onnx"),
                      input_names=input_names, output_names=output_names, dynamic_axes=dynamic,
                      opset_version=14)
    with torch.no_grad():
        outputs = module(*inputs)
    flat = []
    for o in outputs:
        flat.extend(o if isinstance(o, tuple) else [o])
    for n, v in zip(input_names, inputs):
        np.save(os.path.join(root, f"{name}_{n}.npy"), v.numpy())
    for n, v in zip(output_names, flat):
        np.save(os.path.join(root, f"{name}_expected_{n}.npy"), v.numpy())


def main(root):
    os.makedirs(root, exist_ok=True)
    torch.manual_seed(0)
    x = torch.randn(T, B, I)
    lstm = torch.nn.LSTM(I, H, num_layers=2)
    h0, c0 = torch.randn(2, B, H) * 0.5, torch.randn(2, B, H) * 0.5

    class WithState(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.rnn = lstm

        def forward(self, x, h0, c0):
            y, (h, c) = self.rnn(x, (h0, c0))
            return y, h, c

    export(root, "lstm_h0c0", WithState(), [x, h0, c0], ["x", "h0", "c0"], ["y", "h_n", "c_n"],
           {"x": {0: "time", 1: "batch"}, "h0": {1: "batch"}, "c0": {1: "batch"},
            "y": {0: "time", 1: "batch"}, "h_n": {1: "batch"}, "c_n": {1: "batch"}})
    gru = torch.nn.GRU(I, H, batch_first=True)
    export(root, "gru_no_h0", gru, [x.transpose(0, 1).contiguous()], ["x"], ["y", "h_n"],
           {"x": {0: "batch", 1: "time"}, "y": {0: "batch", 1: "time"}, "h_n": {1: "batch"}})
    export(root, "gru_h0_twice", TwiceState(), [x, h0[:1].contiguous()], ["x", "h0"],
           ["y", "h_n", "h_copy"],
           {"x": {0: "time", 1: "batch"}, "h0": {1: "batch"}, "y": {0: "time", 1: "batch"},
            "h_n": {1: "batch"}, "h_copy": {1: "batch"}})


if __name__ == "__main__":
    main(sys.argv[1])
