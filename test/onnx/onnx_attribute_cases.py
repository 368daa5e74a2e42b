#!/usr/bin/env python3
"""onnx_attribute_cases.py DIR: LSTM/GRU/RNN nodes using the attributes ONNX's
backend tests and PyTorch never exercise (the whole activation list with
activation_alpha/beta, clip, input_forget, differing g and h), with expected
values from a plain numpy implementation of the ONNX operator definitions
(onnx/defs/rnn/defs.cc) and onnxruntime's conventions: clip applies to every
pre-activation after bias and peepholes; alpha/beta values are consumed in
order by the functions that take them. Same case layout as the other suites."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

from case_files import new_case, save_model, write_case_list

DEFAULTS = {"HardSigmoid": (0.2, 0.5), "LeakyRelu": (0.01, None), "ThresholdedRelu": (1.0, None),
            "ScaledTanh": (1.0, 1.0), "Affine": (1.0, 0.0), "Elu": (1.0, None)}


def function(name, alpha, beta):
    return {
        "Relu": lambda x: np.maximum(x, 0), "Tanh": np.tanh,
        "Sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "Affine": lambda x: alpha * x + beta,
        "LeakyRelu": lambda x: np.where(x < 0, alpha * x, x),
        "ThresholdedRelu": lambda x: np.where(x > alpha, x, 0),
        "ScaledTanh": lambda x: alpha * np.tanh(beta * x),
        "HardSigmoid": lambda x: np.clip(alpha * x + beta, 0, 1),
        "Elu": lambda x: np.where(x > 0, x, alpha * np.expm1(x)),
        "Softsign": lambda x: x / (1 + np.abs(x)),
        "Softplus": lambda x: np.log1p(np.exp(x)),
    }[name]


def functions(names, alphas, betas):
    alphas, betas, out = list(alphas), list(betas), []
    for name in names:
        a, b = DEFAULTS.get(name, (None, None))
        if a is not None and alphas:
            a = alphas.pop(0)
        if b is not None and betas:
            b = betas.pop(0)
        out.append(function(name, a, b))
    return out


def run(op, x, W, R, B, P, acts, clip, input_forget, linear_before_reset, reverse):
    T, Bsz, _ = x.shape
    H = R.shape[-1]
    c = lambda v: np.clip(v, -clip, clip) if clip else v
    h, cell = np.zeros((Bsz, H)), np.zeros((Bsz, H))
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    Wb, Rb = B[:G * H], B[G * H:]
    ys = [None] * T
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        xt = x[t].astype(np.float64)
        if op == "LSTM":
            f, g, hf = acts
            pre = xt @ W.T + h @ R.T + Wb + Rb
            i_, o_, f_, c_ = np.split(pre, 4, axis=1)
            p_i, p_o, p_f = np.split(P, 3)
            i = f(c(i_ + p_i * cell))
            fg = 1 - i if input_forget else f(c(f_ + p_f * cell))
            cell = fg * cell + i * g(c(c_))
            o = f(c(o_ + p_o * cell))
            h = o * hf(cell)
        elif op == "GRU":
            f, g = acts
            xz, xr, xh = np.split(xt @ W.T + Wb, 3, axis=1)
            Rz, Rr, Rh = np.split(R, 3)
            Rbz, Rbr, Rbh = np.split(Rb, 3)
            z = f(c(xz + h @ Rz.T + Rbz))
            r = f(c(xr + h @ Rr.T + Rbr))
            if linear_before_reset:
                hh = g(c(xh + r * (h @ Rh.T + Rbh)))
            else:
                hh = g(c(xh + (r * h) @ Rh.T + Rbh))
            h = (1 - z) * hh + z * h
        else:
            (f,) = acts
            h = f(c(xt @ W.T + h @ R.T + Wb + Rb))
        ys[t] = h
    return np.stack(ys), h, cell


def make_case(root, name, op, D, H, T, B, activations, alphas=(), betas=(), clip=None,
              input_forget=0, linear_before_reset=0, direction="forward", seed=0, opset=14):
    rng = np.random.RandomState(seed)
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    dirs = 2 if direction == "bidirectional" else 1
    W = (rng.randn(dirs, G * H, D) * 0.4).astype(np.float32)
    R = (rng.randn(dirs, G * H, H) * 0.4).astype(np.float32)
    Bias = (rng.randn(dirs, 2 * G * H) * 0.2).astype(np.float32)
    P = (rng.randn(dirs, 3 * H) * 0.3).astype(np.float32)
    x = rng.randn(T, B, D).astype(np.float32)
    per = {"LSTM": 3, "GRU": 2, "RNN": 1}[op]
    fns = functions(activations, alphas, betas)
    Y, Y_h, Y_c = [], [], []
    for d in range(dirs):
        y, h, cell = run(op, x, W[d].astype(np.float64), R[d].astype(np.float64), Bias[d], P[d],
                         fns[d * per:(d + 1) * per], clip, input_forget, linear_before_reset,
                         direction == "reverse" or d == 1)
        Y.append(y), Y_h.append(h), Y_c.append(cell)
    outputs = [("Y", np.stack(Y, 1)), ("Y_h", np.stack(Y_h))] + ([("Y_c", np.stack(Y_c))] if op == "LSTM" else [])

    d = new_case(root, name)
    np.save(os.path.join(d, "inputs", "X.npy"), x)
    attrs = dict(hidden_size=H, activations=activations, direction=direction)
    if alphas:
        attrs["activation_alpha"] = list(alphas)
    if betas:
        attrs["activation_beta"] = list(betas)
    if clip:
        attrs["clip"] = clip
    if op == "LSTM":
        attrs["input_forget"] = input_forget
    if op == "GRU":
        attrs["linear_before_reset"] = linear_before_reset
    inputs = ["X", "W", "R", "B"] + (["", "", "", "P"] if op == "LSTM" else [])
    node = helper.make_node(op, inputs, [n for n, _ in outputs], name=f"{op.lower()}_node", **attrs)
    inits = [numpy_helper.from_array(a, n) for n, a in (("W", W), ("R", R), ("B", Bias))]
    if op == "LSTM":
        inits.append(numpy_helper.from_array(P, "P"))
    graph_outputs = []
    for out_name, value in outputs:
        np.save(os.path.join(d, "expected", out_name + ".npy"), value.astype(np.float32))
        graph_outputs.append(helper.make_tensor_value_info(out_name, onnx.TensorProto.FLOAT, value.shape))
    graph = helper.make_graph([node], name, [helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, x.shape)],
                              graph_outputs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    save_model(d, model)
    return name


def main(root):
    os.makedirs(root, exist_ok=True)
    names = [
        make_case(root, "lstm_activations_clip_input_forget", "LSTM", D=3, H=5, T=6, B=2,
                  activations=["HardSigmoid", "LeakyRelu", "ScaledTanh"], alphas=[0.3, 0.05, 1.5],
                  betas=[0.6, 0.8], clip=0.7, input_forget=1, seed=1),
        make_case(root, "lstm_bidirectional_affine_softsign", "LSTM", D=4, H=17, T=4, B=3,
                  activations=["Sigmoid", "Tanh", "Softsign", "HardSigmoid", "Affine", "Tanh"],
                  alphas=[0.25, 0.5], betas=[0.4, 0.1], clip=3.0, direction="bidirectional", seed=2),
        make_case(root, "gru_elu_clip_reverse", "GRU", D=5, H=9, T=5, B=2,
                  activations=["Sigmoid", "Elu"], alphas=[0.5], clip=1.2, direction="reverse", seed=3),
        make_case(root, "gru_lbr_bidirectional_hardsigmoid", "GRU", D=3, H=16, T=4, B=2,
                  activations=["HardSigmoid", "Softplus", "Sigmoid", "Relu"], alphas=[0.15], betas=[0.45],
                  linear_before_reset=1, direction="bidirectional", seed=4),
        make_case(root, "rnn_thresholded_relu_affine", "RNN", D=3, H=7, T=5, B=3,
                  activations=["ThresholdedRelu", "Affine"], alphas=[0.2, 0.5], betas=[0.1],
                  clip=2.0, direction="bidirectional", seed=5),
        make_case(root, "rnn_sigmoid_defaults", "RNN", D=2, H=4, T=3, B=1,
                  activations=["Sigmoid"], seed=6),
        make_case(root, "lstm_opset7", "LSTM", D=3, H=4, T=3, B=2,
                  activations=["Sigmoid", "Tanh", "Tanh"], seed=7, opset=7),
        make_case(root, "gru_opset17", "GRU", D=3, H=4, T=3, B=2,
                  activations=["Sigmoid", "Tanh"], linear_before_reset=1, seed=8, opset=17),
    ]
    write_case_list(root, names)


if __name__ == "__main__":
    main(sys.argv[1])
