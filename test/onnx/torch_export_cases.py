#!/usr/bin/env python3
"""torch_export_cases.py DIR: nn.LSTM/GRU/RNN modules exported with
torch.onnx.export (dynamic time and batch axes; packed-sequence models with the
batch size fixed at export), run through PyTorch for the expected outputs. Same
case layout as onnx_backend_cases.py."""
import os
import sys
import warnings

import numpy as np
import torch

from case_files import new_case, write_case_list

warnings.filterwarnings("ignore")


def make_case(root, name, kind, D, H, layers=1, bidirectional=False, batch_first=False,
              bias=True, nonlinearity="tanh", with_state=False, T=5, B=3, seed=0):
    torch.manual_seed(seed)
    kwargs = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    if kind == "rnn":
        kwargs["nonlinearity"] = nonlinearity
    module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[kind](D, H, **kwargs)
    module.eval()
    dirs = 2 if bidirectional else 1
    x = torch.randn((B, T, D) if batch_first else (T, B, D))
    h0 = torch.randn(layers * dirs, B, H) * 0.5
    c0 = torch.randn(layers * dirs, B, H) * 0.5
    args, input_names = (x,), ["input"]
    time_axis, batch_axis = (1, 0) if batch_first else (0, 1)
    dynamic = {"input": {time_axis: "T", batch_axis: "B"}, "output": {time_axis: "T", batch_axis: "B"},
               "h_n": {1: "B"}}
    if with_state:
        state = (h0, c0) if kind == "lstm" else h0
        args = (x, state)
        input_names += ["h0", "c0"] if kind == "lstm" else ["h0"]
        dynamic.update({"h0": {1: "B"}, "c0": {1: "B"}})
    output_names = ["output", "h_n"] + (["c_n"] if kind == "lstm" else [])
    if kind == "lstm":
        dynamic["c_n"] = {1: "B"}
    d = new_case(root, name)
    torch.onnx.export(module, args, os.path.join(d, "model.onnx"), input_names=input_names,
                      output_names=output_names,
                      dynamic_axes={k: v for k, v in dynamic.items() if k in input_names + output_names},
                      opset_version=14)
    with torch.no_grad():
        outputs = module(*args)
    flat = [outputs[0]] + (list(outputs[1]) if kind == "lstm" else [outputs[1]])
    for n, v in zip(output_names, flat):
        np.save(os.path.join(d, "expected", n + ".npy"), v.numpy())
    np.save(os.path.join(d, "inputs", "input.npy"), x.numpy())
    if with_state:
        np.save(os.path.join(d, "inputs", "h0.npy"), h0.numpy())
        if kind == "lstm":
            np.save(os.path.join(d, "inputs", "c0.npy"), c0.numpy())
    return name


class WithHead(torch.nn.Module):
    """An RNN followed by the heads exporters emit: Linear over every step
    (MatMul + Add), Linear over the last state (Gemm), activations, Softmax,
    a broadcast parameter (Expand)."""

    def __init__(self, kind, D, H, O):
        super().__init__()
        self.rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](D, H)
        self.steps = torch.nn.Linear(H, O)
        self.last = torch.nn.Linear(H, O)
        self.offset = torch.nn.Parameter(torch.randn(1, 1, O))

    def forward(self, x):
        y, state = self.rnn(x)
        h = state[0] if isinstance(state, tuple) else state
        per_step = torch.softmax(torch.tanh(self.steps(y)) * 2.0 - 0.5, dim=-1)
        per_step = per_step + self.offset.expand(x.shape[0], x.shape[1], self.offset.shape[2])
        final = torch.sigmoid(self.last(h[0])) / 3.0 + torch.relu(h[0][:, :1])
        return per_step, final


def make_head_case(root, name, kind, D, H, O, T=6, B=3, seed=0):
    torch.manual_seed(seed)
    module = WithHead(kind, D, H, O).eval()
    x = torch.randn(T, B, D)
    d = new_case(root, name)
    torch.onnx.export(module, (x,), os.path.join(d, "model.onnx"), input_names=["input"],
                      output_names=["per_step", "final"], opset_version=14,
                      dynamic_axes={"input": {0: "T", 1: "B"}, "per_step": {0: "T", 1: "B"},
                                    "final": {0: "B"}})
    with torch.no_grad():
        per_step, final = module(x)
    np.save(os.path.join(d, "inputs", "input.npy"), x.numpy())
    np.save(os.path.join(d, "expected", "per_step.npy"), per_step.numpy())
    np.save(os.path.join(d, "expected", "final.npy"), final.numpy())
    return name


class Packed(torch.nn.Module):
    """pack_padded_sequence -> RNN -> pad_packed_sequence; the export sorts the
    batch by length (TopK, Gather) and unsorts the results (ScatterElements)."""

    def __init__(self, kind, D, H, layers, bidirectional):
        super().__init__()
        self.rnn = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](
            D, H, num_layers=layers, bidirectional=bidirectional)

    def forward(self, x, lengths):
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=False)
        y, state = self.rnn(packed)
        y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, total_length=x.shape[0])
        return y, state[0] if isinstance(state, tuple) else state


def make_packed_case(root, name, kind, D, H, lengths, layers=1, bidirectional=False, T=6, seed=0):
    torch.manual_seed(seed)
    module = Packed(kind, D, H, layers, bidirectional).eval()
    x = torch.randn(T, len(lengths), D)
    lens = torch.tensor(lengths)
    d = new_case(root, name)
    torch.onnx.export(module, (x, lens), os.path.join(d, "model.onnx"),
                      input_names=["x", "lengths"], output_names=["y", "h_n"], opset_version=14)
    with torch.no_grad():
        y, h = module(x, lens)
    np.save(os.path.join(d, "inputs", "x.npy"), x.numpy())
    np.save(os.path.join(d, "inputs", "lengths.npy"), lens.numpy())
    np.save(os.path.join(d, "expected", "y.npy"), y.numpy())
    np.save(os.path.join(d, "expected", "h_n.npy"), h.numpy())
    return name


def main(root):
    os.makedirs(root, exist_ok=True)
    names = [
        make_case(root, "lstm_1layer", "lstm", D=4, H=8, seed=1),
        make_case(root, "lstm_2layer_state", "lstm", D=3, H=7, layers=2, with_state=True, seed=2),
        make_case(root, "lstm_3layer_bidirectional_batch_first", "lstm", D=5, H=6, layers=3,
                  bidirectional=True, batch_first=True, seed=3),
        make_case(root, "lstm_hidden1_no_bias", "lstm", D=2, H=1, bias=False, seed=4),
        make_case(root, "gru_2layer_bidirectional", "gru", D=4, H=9, layers=2, bidirectional=True, seed=5),
        make_case(root, "gru_batch_first_state", "gru", D=3, H=33, batch_first=True, with_state=True, seed=6),
        make_case(root, "rnn_relu_2layer", "rnn", D=4, H=5, layers=2, nonlinearity="relu", seed=7),
        make_case(root, "rnn_tanh_bidirectional_state", "rnn", D=3, H=130, bidirectional=True,
                  with_state=True, seed=8),
        make_head_case(root, "lstm_with_heads", "lstm", D=4, H=10, O=5, seed=9),
        make_head_case(root, "gru_with_heads", "gru", D=3, H=17, O=4, seed=10),
        make_packed_case(root, "lstm_packed_lengths", "lstm", D=3, H=5, lengths=[4, 6, 1, 4], seed=11),
        make_packed_case(root, "gru_packed_2layer_bidirectional", "gru", D=4, H=7, lengths=[2, 6, 5],
                         layers=2, bidirectional=True, seed=12),
    ]
    write_case_list(root, names)


if __name__ == "__main__":
    main(sys.argv[1])
