#!/usr/bin/env python3
"""torch_onnx_cases.py DIR: ONNX LSTM/GRU/RNN nodes built from torch.nn modules'
weights (converted to ONNX's gate orders), with PyTorch's outputs as expected
values: bidirectional and reverse directions, both layouts, sequence_lens
(packed sequences, i.e. onnxruntime's semantics), initial states, odd sizes.
Same case layout as onnx_backend_cases.py."""
import os
import sys

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from case_files import new_case, save_model, write_case_list

# Rows of torch's stacked gates that make ONNX's order.
ONNX_ORDER = {"LSTM": [0, 3, 1, 2],  # torch i, f, g, o -> ONNX i, o, f, c
              "GRU": [1, 0, 2],      # torch r, z, n -> ONNX z, r, h
              "RNN": [0]}


def reorder(w, op, hidden):
    blocks = [w[k * hidden:(k + 1) * hidden] for k in range(len(ONNX_ORDER[op]))]
    return np.concatenate([blocks[k] for k in ONNX_ORDER[op]], 0)


def make_case(root, name, op, D, H, T, B, direction="forward", layout=0, lengths=None,
              initial=False, nonlinearity="tanh", seed=0):
    torch.manual_seed(seed)
    bidirectional = direction != "forward"
    kwargs = dict(batch_first=layout == 1, bidirectional=bidirectional)
    module = {"LSTM": lambda: torch.nn.LSTM(D, H, **kwargs),
              "GRU": lambda: torch.nn.GRU(D, H, **kwargs),
              "RNN": lambda: torch.nn.RNN(D, H, nonlinearity=nonlinearity, **kwargs)}[op]()
    dirs_torch = 2 if bidirectional else 1
    suffixes = ["", "_reverse"][:dirs_torch]
    if direction == "reverse":
        suffixes = ["_reverse"]
    dirs = len(suffixes)
    p = lambda n, s: getattr(module, f"{n}_l0{s}").detach().numpy()
    W = np.stack([reorder(p("weight_ih", s), op, H) for s in suffixes])
    R = np.stack([reorder(p("weight_hh", s), op, H) for s in suffixes])
    Bias = np.stack([np.concatenate([reorder(p("bias_ih", s), op, H), reorder(p("bias_hh", s), op, H)])
                     for s in suffixes])

    x = torch.randn((B, T, D) if layout == 1 else (T, B, D))
    h0 = torch.randn(dirs_torch, B, H) * 0.5
    c0 = torch.randn(dirs_torch, B, H) * 0.5
    state0 = ((h0, c0) if op == "LSTM" else h0) if initial else None
    with torch.no_grad():
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                x, torch.tensor(lengths), batch_first=layout == 1, enforce_sorted=False)
            y, state = module(packed, state0)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=layout == 1, total_length=T)
        else:
            y, state = module(x, state0)
    h_n, c_n = state if op == "LSTM" else (state, None)
    keep = [1] if direction == "reverse" else list(range(dirs))
    # torch y: [T, B, dirs*H] (or [B, T, ...]); ONNX Y: [T, dirs, B, H] / [B, T, dirs, H].
    y = y.numpy().reshape(y.shape[0], y.shape[1], dirs_torch, H)[:, :, keep]
    Y = y.transpose(0, 2, 1, 3) if layout == 0 else y
    to_onnx_state = lambda s: s.numpy()[keep] if layout == 0 else s.numpy()[keep].transpose(1, 0, 2)

    d = new_case(root, name)
    graph_inputs = [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, ["B", "T", D] if layout else ["T", "B", D])]
    np.save(os.path.join(d, "inputs", "X.npy"), x.numpy())
    node_inputs = ["X", "W", "R", "B", "", "", ""]
    if lengths is not None:
        node_inputs[4] = "sequence_lens"
        graph_inputs.append(helper.make_tensor_value_info("sequence_lens", onnx.TensorProto.INT32, ["B"]))
        np.save(os.path.join(d, "inputs", "sequence_lens.npy"), np.array(lengths, np.int32))
    if initial:
        leafs = [("initial_h", h0)] + ([("initial_c", c0)] if op == "LSTM" else [])
        for position, (leaf, value) in zip((5, 6), leafs):
            node_inputs[position] = leaf
            v = to_onnx_state(value)
            graph_inputs.append(helper.make_tensor_value_info(leaf, onnx.TensorProto.FLOAT, v.shape))
            np.save(os.path.join(d, "inputs", leaf + ".npy"), v)
    node_inputs = node_inputs[:7 if op == "LSTM" else 6]
    while node_inputs[-1] == "":
        node_inputs.pop()
    outputs = [("Y", Y), ("Y_h", to_onnx_state(h_n))] + ([("Y_c", to_onnx_state(c_n))] if op == "LSTM" else [])
    attrs = dict(hidden_size=H, direction=direction, layout=layout)
    if op == "GRU":
        attrs["linear_before_reset"] = 1
    if op == "RNN":
        attrs["activations"] = ["Relu" if nonlinearity == "relu" else "Tanh"] * dirs
    node = helper.make_node(op, node_inputs, [n for n, _ in outputs], name=f"{op.lower()}_node", **attrs)
    graph_outputs = []
    for out_name, value in outputs:
        np.save(os.path.join(d, "expected", out_name + ".npy"), np.ascontiguousarray(value, np.float32))
        graph_outputs.append(helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, value.shape))
    inits = [numpy_helper.from_array(np.ascontiguousarray(a, np.float32), n)
             for n, a in (("W", W), ("R", R), ("B", Bias))]
    model = helper.make_model(helper.make_graph([node], name, graph_inputs, graph_outputs, inits),
                              opset_imports=[helper.make_opsetid("", 14)])
    save_model(d, model)
    return name


def main(root):
    os.makedirs(root, exist_ok=True)
    names = [
        make_case(root, "lstm_bidirectional_lengths_initial", "LSTM", D=3, H=5, T=6, B=4,
                  direction="bidirectional", lengths=[6, 2, 4, 1], initial=True, seed=1),
        make_case(root, "lstm_reverse_batch_major", "LSTM", D=4, H=17, T=5, B=2,
                  direction="reverse", layout=1, lengths=[3, 5], seed=2),
        make_case(root, "gru_bidirectional_batch_major", "GRU", D=6, H=33, T=4, B=3,
                  direction="bidirectional", layout=1, lengths=[4, 1, 3], initial=True, seed=3),
        make_case(root, "gru_hidden1", "GRU", D=2, H=1, T=7, B=2, seed=4),
        make_case(root, "rnn_relu_bidirectional", "RNN", D=5, H=7, T=5, B=3,
                  direction="bidirectional", nonlinearity="relu", lengths=[5, 5, 2], seed=5),
        make_case(root, "rnn_tanh_initial", "RNN", D=3, H=130, T=3, B=2, initial=True, seed=6),
    ]
    write_case_list(root, names)


if __name__ == "__main__":
    main(sys.argv[1])
