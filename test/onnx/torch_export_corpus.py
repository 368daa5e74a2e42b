#!/usr/bin/env python3
"""torch_export_corpus.py DIR: PyTorch models as users export them
(torch.onnx.export with dynamic batch and time axes), each run by PyTorch on
several (batch, time) sizes that differ from the export's, B = 1 and T = 1
included. A case either has runs (CASE/runs/<run>/{inputs,expected}) that
run_cases.py compares with rnnc's outputs, or a CASE/refused.txt whose lines
must all appear in rnnc's error (the op, the value, and the workaround
docs/onnx.md documents)."""
import os
import sys
import warnings

import numpy as np
import torch
from torch import nn

from case_files import new_case, write_case_list

warnings.filterwarnings("ignore")

EXPORT_B, EXPORT_T = 3, 5
RUN_SIZES = [(1, 1), (1, 6), (4, 1), (5, 7), (2, 3)]


def recurrent(kind, I, H, **kw):
    if kind.startswith("rnn_"):
        kw["nonlinearity"] = kind[4:]
    return {"lstm": nn.LSTM, "gru": nn.GRU}.get(kind, nn.RNN)(I, H, **kw)


def final_state(state):
    return state[0] if isinstance(state, tuple) else state


class Plain(nn.Module):
    """The recurrent module alone: outputs y, h_n (and c_n)."""

    def __init__(self, kind, I, H, **kw):
        super().__init__()
        self.rnn = recurrent(kind, I, H, **kw)

    def forward(self, x, *state):
        if not state:
            y, s = self.rnn(x)
        else:
            y, s = self.rnn(x, tuple(state) if len(state) == 2 else state[0])
        return (y,) + (tuple(s) if isinstance(s, tuple) else (s,))


class Head(nn.Module):
    """A recurrent module followed by `head`, one of the heads PyTorch RNN
    code uses (see HEADS)."""

    def __init__(self, kind, I, H, head, O=4, **kw):
        super().__init__()
        self.rnn = recurrent(kind, I, H, **kw)
        self.batch_first = kw.get("batch_first", False)
        width = H * (2 if kw.get("bidirectional") else 1)
        self.head = head
        self.linear = nn.Linear(2 * H if head == "hn_last2_cat" else width, O)
        self.norm = nn.LayerNorm(width)
        self.dropout = nn.Dropout(0.3)

    def forward(self, x):
        y, state = self.rnn(x)
        h = final_state(state)
        return HEADS[self.head](self, y, h)


def time_axis(m):
    return 1 if m.batch_first else 0


HEADS = {
    "hn_last": lambda m, y, h: m.linear(h[-1]),
    "hn_last2_cat": lambda m, y, h: m.linear(torch.cat([h[-2], h[-1]], dim=1)),
    "y_last": lambda m, y, h: m.linear(y[:, -1] if m.batch_first else y[-1]),
    "y_from1": lambda m, y, h: y[:, 1:] if m.batch_first else y[1:],
    "y_first2": lambda m, y, h: y[:, :2] if m.batch_first else y[:2],
    "mean_time": lambda m, y, h: m.linear(y.mean(dim=time_axis(m))),
    "max_time": lambda m, y, h: m.linear(y.max(dim=time_axis(m)).values),
    "linear_steps": lambda m, y, h: m.linear(y),
    "log_softmax": lambda m, y, h: torch.log_softmax(m.linear(y), dim=-1),
    "dropout": lambda m, y, h: m.linear(m.dropout(y)),
    "layer_norm": lambda m, y, h: m.linear(m.norm(y)),
    "flip": lambda m, y, h: torch.flip(y, [time_axis(m)]),
    "narrow": lambda m, y, h: y.narrow(2, 1, 3),
    "chunk": lambda m, y, h: (lambda a, b: a * torch.sigmoid(b))(*y.chunk(2, dim=-1)),
    "split": lambda m, y, h: torch.split(y, [3, y.shape[-1] - 3], dim=-1),
    "chunk_time": lambda m, y, h: (lambda a, b: a.mean(0) - b.mean(0))(*y.chunk(2, dim=0)),
}


class Residual(nn.Module):
    """Two stacked recurrent modules with a residual add between them."""

    def __init__(self, kind, I, H):
        super().__init__()
        self.first = recurrent(kind, I, H)
        self.second = recurrent(kind, H, H)

    def forward(self, x):
        y1, _ = self.first(x)
        y2, _ = self.second(y1)
        return y1 + y2


class Embedded(nn.Module):
    """Token ids -> Embedding -> LSTM -> Linear over the last state."""

    def __init__(self, vocabulary, I, H):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, I)
        self.rnn = nn.LSTM(I, H)
        self.linear = nn.Linear(H, 3)

    def forward(self, tokens):
        y, (h, c) = self.rnn(self.embedding(tokens))
        return self.linear(h[-1])


class Packed(nn.Module):
    """pack_padded_sequence -> recurrent -> pad_packed_sequence, with optional
    heads over the lengths: a classifier on h_n[-1], or a mean/max over time
    that masks the padding."""

    def __init__(self, kind, I, H, sorted_lengths, head=None, **kw):
        super().__init__()
        self.rnn = recurrent(kind, I, H, **kw)
        self.sorted_lengths = sorted_lengths
        self.head = head
        self.linear = nn.Linear(H * (2 if kw.get("bidirectional") else 1), 3)

    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, enforce_sorted=self.sorted_lengths)
        y, state = self.rnn(packed)
        y, _ = nn.utils.rnn.pad_packed_sequence(y, total_length=x.shape[0])
        h = final_state(state)
        if self.head is None:
            return y, h
        if self.head == "hn_last":
            return self.linear(h[-1])
        steps = torch.arange(x.shape[0]).unsqueeze(1)
        mask = (steps < lengths.unsqueeze(0)).unsqueeze(2)
        if self.head == "masked_mean":
            return (y * mask).sum(dim=0) / lengths.unsqueeze(1).to(y.dtype)
        return y.masked_fill(~mask, float("-inf")).max(dim=0).values


def lengths_for(B, T, sorted_lengths, rng):
    lengths = rng.integers(1, T + 1, size=B)
    lengths[rng.integers(0, B)] = T
    return np.sort(lengths)[::-1].copy() if sorted_lengths else lengths


class Variant:
    """One export: the module, how to make its inputs for (B, T), and what
    rnnc must do with it (run, or refuse with `refused` in the message)."""

    def __init__(self, name, module, inputs, outputs, batch_first=False, opset=14,
                 refused=None, static=False):
        self.name, self.module, self.inputs, self.outputs = name, module, inputs, outputs
        self.batch_first, self.opset, self.refused = batch_first, opset, refused
        # Exported without dynamic axes: runs at the export's sizes match, runs
        # at others are refused naming the size the export baked in.
        self.static = static


def make_inputs(variant, B, T, seed):
    rng = np.random.default_rng(seed)
    module = variant.module
    rnn = getattr(module, "rnn", None) or getattr(module, "first", None)
    values = []
    for name in variant.inputs:
        if name == "x":
            shape = (B, T, rnn.input_size) if variant.batch_first else (T, B, rnn.input_size)
            values.append(torch.from_numpy(rng.standard_normal(shape).astype(np.float32)))
        elif name == "tokens":
            values.append(torch.from_numpy(rng.integers(0, 11, size=(T, B))))
        elif name == "lengths":
            values.append(torch.from_numpy(lengths_for(B, T, module.sorted_lengths, rng)))
        else:
            layers = rnn.num_layers * (2 if rnn.bidirectional else 1)
            shape = (layers, B, rnn.hidden_size)
            values.append(torch.from_numpy(0.5 * rng.standard_normal(shape).astype(np.float32)))
    return values


def dynamic_axes(variant):
    if variant.static:
        return {}
    batch, time = ("batch", "time")
    axes = {}
    for name in variant.inputs:
        if name == "x":
            axes[name] = {0: batch, 1: time} if variant.batch_first else {0: time, 1: batch}
        elif name == "tokens":
            axes[name] = {0: time, 1: batch}
        elif name == "lengths":
            axes[name] = {0: batch}
        else:
            axes[name] = {1: batch}
    return axes


def export(variant, d):
    variant.module.eval()
    args = tuple(make_inputs(variant, EXPORT_B, EXPORT_T, 0))
    torch.onnx.export(variant.module, args, os.path.join(d, "model.onnx"),
                      input_names=variant.inputs, output_names=variant.outputs,
                      dynamic_axes=dynamic_axes(variant), opset_version=variant.opset)


def make_case(root, variant):
    d = new_case(root, variant.name)
    torch.manual_seed(sum(map(ord, variant.name)))
    for p in variant.module.parameters():
        p.data = torch.randn_like(p) * 0.4
    export(variant, d)
    if variant.refused:
        with open(os.path.join(d, "refused.txt"), "w") as f:
            f.write("\n".join(variant.refused) + "\n")
        return variant.name
    sizes = [(EXPORT_B, EXPORT_T), (EXPORT_B + 2, EXPORT_T)] if variant.static else RUN_SIZES
    for i, (B, T) in enumerate(sizes):
        run = os.path.join(d, "runs", f"B{B}_T{T}")
        os.makedirs(os.path.join(run, "inputs"), exist_ok=True)
        os.makedirs(os.path.join(run, "expected"), exist_ok=True)
        args = make_inputs(variant, B, T, i + 1)
        if variant.static and B != EXPORT_B:
            with open(os.path.join(run, "refused.txt"), "w") as f:
                batch_dim = 0 if variant.batch_first else 1
                f.write(f"input 'x' dimension {batch_dim} must be {EXPORT_B}, got {B}\n")
        with torch.no_grad():
            results = variant.module(*args)
        if not isinstance(results, tuple):
            results = (results,)
        for name, value in zip(variant.inputs, args):
            np.save(os.path.join(run, "inputs", name + ".npy"), value.numpy())
        for name, value in zip(variant.outputs, results):
            np.save(os.path.join(run, "expected", name + ".npy"), value.numpy())
    return variant.name


def plain(name, kind, I=4, H=6, state=False, opset=14, **kw):
    module = Plain(kind, I, H, **kw)
    inputs = ["x"] + ((["h0", "c0"] if kind == "lstm" else ["h0"]) if state else [])
    outputs = ["y", "h_n"] + (["c_n"] if kind == "lstm" else [])
    return Variant(name, module, inputs, outputs, batch_first=kw.get("batch_first", False),
                   opset=opset)


def head(name, kind, head_name, I=4, H=6, outputs=("out",), refused=None, opset=14, **kw):
    module = Head(kind, I, H, head_name, **kw)
    return Variant(name, module, ["x"], list(outputs), batch_first=kw.get("batch_first", False),
                   refused=refused, opset=opset)


def variants():
    return [
        plain("lstm", "lstm"),
        plain("lstm_2layer", "lstm", num_layers=2),
        plain("lstm_3layer_bidirectional", "lstm", num_layers=3, bidirectional=True),
        plain("lstm_batch_first", "lstm", batch_first=True),
        plain("lstm_no_bias", "lstm", bias=False),
        plain("lstm_state", "lstm", state=True, num_layers=2),
        plain("lstm_opset11", "lstm", opset=11, num_layers=2),
        plain("lstm_opset13_bidirectional", "lstm", opset=13, bidirectional=True),
        plain("lstm_opset17_batch_first", "lstm", opset=17, batch_first=True),
        plain("gru", "gru"),
        plain("gru_2layer_bidirectional_opset16", "gru", opset=16, num_layers=2,
              bidirectional=True),
        plain("gru_batch_first_state", "gru", state=True, batch_first=True),
        plain("gru_no_bias_opset15", "gru", opset=15, bias=False),
        plain("rnn_tanh", "rnn_tanh"),
        plain("rnn_relu_2layer", "rnn_relu", num_layers=2),
        plain("rnn_tanh_bidirectional_state", "rnn_tanh", state=True, bidirectional=True),
        plain("rnn_relu_batch_first_opset12", "rnn_relu", opset=12, batch_first=True),
        head("lstm_head_hn_last", "lstm", "hn_last", num_layers=2),
        head("gru_head_hn_last_batch_first", "gru", "hn_last", batch_first=True),
        head("lstm_head_hn_last2_cat", "lstm", "hn_last2_cat", bidirectional=True),
        head("gru_head_hn_last2_cat_2layer", "gru", "hn_last2_cat", bidirectional=True,
             num_layers=2),
        head("lstm_head_y_last_batch_first", "lstm", "y_last", batch_first=True),
        head("gru_head_y_last", "gru", "y_last"),
        head("lstm_head_y_from1", "lstm", "y_from1"),
        head("gru_head_y_first2_batch_first", "gru", "y_first2", batch_first=True),
        head("lstm_head_mean_time", "lstm", "mean_time"),
        head("gru_head_max_time_batch_first", "gru", "max_time", batch_first=True),
        head("lstm_head_linear_steps", "lstm", "linear_steps", bidirectional=True),
        head("gru_head_log_softmax", "gru", "log_softmax"),
        head("lstm_head_dropout", "lstm", "dropout"),
        head("lstm_head_layer_norm", "lstm", "layer_norm"),
        head("gru_head_layer_norm_opset17", "gru", "layer_norm", opset=17, batch_first=True),
        head("rnn_head_flip", "rnn_tanh", "flip"),
        head("lstm_head_narrow", "lstm", "narrow"),
        head("gru_head_chunk", "gru", "chunk"),
        head("lstm_head_split", "lstm", "split", outputs=("first", "rest")),
        # chunk's split point is computed from the time size: refused.
        head("gru_head_chunk_time", "gru", "chunk_time",
             refused=["(Add)", "run-time dimension", "export with that axis static"]),
        Variant("lstm_embedding", Embedded(11, 5, 6), ["tokens"], ["out"]),
        Variant("gru_residual", Residual("gru", 6, 6), ["x"], ["y"]),
        Variant("lstm_residual", Residual("lstm", 6, 6), ["x"], ["y"]),
        Variant("lstm_packed_sorted", Packed("lstm", 4, 6, True), ["x", "lengths"], ["y", "h_n"]),
        Variant("gru_packed_sorted_2layer_bidirectional",
                Packed("gru", 4, 5, True, num_layers=2, bidirectional=True),
                ["x", "lengths"], ["y", "h_n"]),
        Variant("lstm_packed_unsorted", Packed("lstm", 4, 6, False), ["x", "lengths"], ["y", "h_n"]),
        Variant("gru_packed_unsorted_bidirectional",
                Packed("gru", 3, 5, False, bidirectional=True), ["x", "lengths"], ["y", "h_n"]),
        Variant("lstm_packed_head_hn_last", Packed("lstm", 4, 6, False, head="hn_last"),
                ["x", "lengths"], ["out"]),
        Variant("gru_packed_masked_mean", Packed("gru", 4, 6, True, head="masked_mean"),
                ["x", "lengths"], ["out"]),
        Variant("lstm_packed_masked_max", Packed("lstm", 4, 6, False, head="masked_max"),
                ["x", "lengths"], ["out"]),
        # Exported without dynamic axes, run with another batch: refused.
        Variant("gru_static_export", Plain("gru", 4, 6), ["x"], ["y", "h_n"], static=True),
        Variant("lstm_packed_sorted_static_export", Packed("lstm", 4, 6, True),
                ["x", "lengths"], ["y", "h_n"], static=True),
    ]


def check_proj_size_unexportable(root):
    """docs/onnx.md says torch cannot export an LSTM with proj_size; once it
    can, this fails and the corpus gets the case."""
    try:
        torch.onnx.export(nn.LSTM(4, 6, proj_size=3), (torch.zeros(5, 3, 4),),
                          os.path.join(root, "proj_size.onnx"), opset_version=14)
    except Exception as e:  # torch.onnx's SymbolicValueError
        if "projections" in str(e):
            return
        raise
    raise SystemExit("torch exported an LSTM with proj_size: add it to the corpus and docs/onnx.md")


def main(root):
    os.makedirs(root, exist_ok=True)
    check_proj_size_unexportable(root)
    write_case_list(root, [make_case(root, v) for v in variants()])


if __name__ == "__main__":
    main(sys.argv[1])
