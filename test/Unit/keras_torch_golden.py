#!/usr/bin/env python3
"""keras_torch_golden.py DIR

Golden values for Keras layers where PyTorch computes the same thing: writes,
for torch.nn.LSTM and torch.nn.GRU (seeded, batch_first), the weights in
Keras's layouts (LSTM kernel [I, 4H] gates i,f,c,o = PyTorch's i,f,g,o; GRU
gates z,r,h = PyTorch's blocks z, r, n reordered, reset_after bias [2, 3H]),
the inputs and PyTorch's outputs, as DIR/<layer>_<name>.npy."""
import os
import sys

import numpy as np
import torch


def save(directory, prefix, **arrays):
    for name, value in arrays.items():
        np.save(os.path.join(directory, f"{prefix}_{name}.npy"),
                np.ascontiguousarray(value, dtype=np.float32))


def main():
    directory = sys.argv[1]
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(3)
    batch, steps, inputs, units = 3, 6, 4, 5
    x = torch.rand(batch, steps, inputs) * 2 - 1

    lstm = torch.nn.LSTM(inputs, units, batch_first=True)
    with torch.no_grad():
        y, (h, c) = lstm(x)
    save(directory, "lstm", x=x.numpy(), kernel=lstm.weight_ih_l0.detach().numpy().T,
         recurrent_kernel=lstm.weight_hh_l0.detach().numpy().T,
         bias=(lstm.bias_ih_l0 + lstm.bias_hh_l0).detach().numpy(), y=y.numpy(),
         h=h[0].numpy(), c=c[0].numpy())

    gru = torch.nn.GRU(inputs, units, batch_first=True)
    order = [1, 0, 2]  # Keras z, r, h from PyTorch r, z, n

    def keras_blocks(matrix):
        blocks = np.split(matrix.detach().numpy(), 3, axis=0)
        return np.concatenate([blocks[i] for i in order], axis=0)

    with torch.no_grad():
        y, h = gru(x)
    bias = np.stack([keras_blocks(gru.bias_ih_l0[:, None])[:, 0],
                     keras_blocks(gru.bias_hh_l0[:, None])[:, 0]])
    save(directory, "gru", x=x.numpy(), kernel=keras_blocks(gru.weight_ih_l0).T,
         recurrent_kernel=keras_blocks(gru.weight_hh_l0).T, bias=bias, y=y.numpy(),
         h=h[0].numpy())


if __name__ == "__main__":
    main()
