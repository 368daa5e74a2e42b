#!/usr/bin/env python3
"""torch_cases.py DIR: writes PyTorch-computed cases for checking the scalar
reference (RnnReferenceVsTorchTest). Run with Debian's /usr/bin/python3.

Each case DIR/<name>/ holds config.txt (`key value` lines), the weights converted to TensorFlow's
layouts (docs/dialect.md), the inputs, and PyTorch's results in TensorFlow's
state order (per layer: c then h for LSTM, h otherwise). Sequence lengths go
through pack_padded_sequence, so rows stop at their length like dynamic_rnn."""
import os
import sys

import numpy as np
import torch


def save(path, array, dtype=np.float32):
    np.save(path, np.ascontiguousarray(np.asarray(array), dtype))


def layer_weights(module, kind, layer, hidden, suffix=""):
    g = lambda name: getattr(module, f"{name}_l{layer}{suffix}").detach().numpy()
    w_ih, w_hh, b_ih, b_hh = g("weight_ih"), g("weight_hh"), g("bias_ih"), g("bias_hh")
    H = hidden
    if kind == "lstm":
        blocks = [slice(k * H, (k + 1) * H) for k in range(4)]  # i, f, g, o
        order = np.r_[blocks[0], blocks[2], blocks[1], blocks[3]]  # TF: i, j, f, o
        weights = {"kernel": np.concatenate([w_ih, w_hh], 1)[order].T, "bias": (b_ih + b_hh)[order]}
        if module.proj_size > 0:
            weights["proj_kernel"] = g("weight_hr").T
        return weights
    if kind == "gru":
        rz, n = slice(0, 2 * H), slice(2 * H, 3 * H)  # r, z | n  ==  TF r, u | candidate
        return {
            "gates_kernel": np.concatenate([w_ih[rz], w_hh[rz]], 1).T,
            "gates_bias": b_ih[rz] + b_hh[rz],
            "candidate_kernel": np.concatenate([w_ih[n], w_hh[n]], 1).T,
            "candidate_bias": b_ih[n],
            "hidden_bias": b_hh[n],
        }
    return {"kernel": np.concatenate([w_ih, w_hh], 1).T, "bias": b_ih + b_hh}


def make_case(root, name, kind, D, H, layers=1, T=5, B=3, lengths=None, batch_first=False,
              initial=False, proj=0, nonlinearity="tanh", seed=0, reverse=False):
    """With reverse, a 1-layer bidirectional module is run and the case is its
    backward direction, which is dynamic_rnn's `reverse`."""
    torch.manual_seed(seed)
    both = dict(num_layers=layers, batch_first=batch_first, bidirectional=reverse)
    if kind == "lstm":
        module = torch.nn.LSTM(D, H, proj_size=proj, **both)
    elif kind == "gru":
        module = torch.nn.GRU(D, H, **both)
    else:
        module = torch.nn.RNN(D, H, nonlinearity=nonlinearity, **both)
    x = torch.randn((B, T, D) if batch_first else (T, B, D))
    P = proj if proj else H
    dirs = 2 if reverse else 1
    h0 = torch.randn(layers * dirs, B, P) * 0.5
    c0 = torch.randn(layers * dirs, B, H) * 0.5
    state0 = ((h0, c0) if kind == "lstm" else h0) if initial else None

    with torch.no_grad():
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(
                x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
            y, state = module(packed, state0)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=batch_first, total_length=T)
        else:
            y, state = module(x, state0)
    if reverse:
        y = y[..., P:]
        h0, c0 = h0[1:], c0[1:]
        state = (state[0][1:], state[1][1:]) if kind == "lstm" else state[1:]
    d = os.path.join(root, name)
    os.makedirs(d, exist_ok=True)
    config = {"kind": kind, "input_depth": D, "num_units": H, "num_proj": proj, "layers": layers,
              "T": T, "B": B, "time_major": not batch_first, "has_lengths": lengths is not None,
              "has_initial_state": initial,
              "activation": nonlinearity if kind == "rnn" else "tanh",
              "linear_before_reset": kind == "gru", "reverse": reverse}
    with open(os.path.join(d, "config.txt"), "w") as f:
        f.writelines(f"{key} {int(v) if isinstance(v, bool) else v}\n" for key, v in config.items())
    save(os.path.join(d, "inputs.npy"), x.numpy())
    if lengths is not None:
        save(os.path.join(d, "sequence_length.npy"), lengths, np.int64)
    for layer in range(layers):
        suffix = "_reverse" if reverse else ""
        for key, value in layer_weights(module, kind, layer, H, suffix).items():
            save(os.path.join(d, f"layer{layer}_{key}.npy"), value)
    h_n, c_n = state if kind == "lstm" else (state, None)
    k = 0
    for layer in range(layers):
        leafs = [(c0, c_n), (h0, h_n)] if kind == "lstm" else [(h0, h_n)]
        for start, final in leafs:
            if initial:
                save(os.path.join(d, f"initial_state_{k}.npy"), start[layer].numpy())
            save(os.path.join(d, f"expected_state_{k}.npy"), final[layer].numpy())
            k += 1
    save(os.path.join(d, "expected_outputs.npy"), y.numpy())
    return name


def main(root):
    os.makedirs(root, exist_ok=True)
    names = [
        make_case(root, "lstm_lengths", "lstm", D=5, H=7, T=6, B=4, lengths=[6, 3, 1, 5], seed=1),
        make_case(root, "lstm_2layer_initial_batch_first", "lstm", D=3, H=16, layers=2, T=4, B=3,
                  lengths=[2, 4, 1], batch_first=True, initial=True, seed=2),
        make_case(root, "lstm_projection", "lstm", D=6, H=9, proj=4, T=5, B=2, initial=True, seed=3),
        make_case(root, "lstm_hidden1_no_lengths", "lstm", D=2, H=1, T=7, B=1, seed=4),
        make_case(root, "gru_2layer_lengths", "gru", D=4, H=33, layers=2, T=5, B=3,
                  lengths=[5, 2, 3], seed=5),
        make_case(root, "gru_initial_batch_first", "gru", D=7, H=5, T=3, B=2, batch_first=True,
                  initial=True, seed=6),
        make_case(root, "rnn_tanh_lengths", "rnn", D=3, H=7, T=6, B=3, lengths=[1, 6, 4], seed=7),
        make_case(root, "rnn_relu_2layer", "rnn", D=4, H=130, layers=2, T=3, B=2,
                  nonlinearity="relu", batch_first=True, seed=8),
        make_case(root, "lstm_backward_lengths", "lstm", D=3, H=6, T=5, B=3, lengths=[5, 2, 3],
                  initial=True, reverse=True, seed=9),
        make_case(root, "gru_backward_batch_first", "gru", D=4, H=9, T=4, B=2, lengths=[1, 4],
                  batch_first=True, reverse=True, seed=10),
    ]
    with open(os.path.join(root, "cases.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
