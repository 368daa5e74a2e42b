#!/usr/bin/env python3
"""custom_cells_reference.py INPUTS_DIR EXPECTED_DIR

Writes inputs for examples/custom/minimal_rnn.mlir and the outputs Keras's
MinimalRNNCell computes for them (output = x W + h U, Keras mask semantics:
a masked step keeps the state and repeats the previous output)."""
import os
import sys

import numpy as np

W = np.array([[0.5, -0.25, 0.125, 0.3], [-0.4, 0.2, 0.6, -0.1], [0.05, 0.15, -0.35, 0.45]])
U = np.array([[0.1, 0.2, -0.3, 0.0], [-0.2, 0.1, 0.05, 0.3], [0.25, -0.15, 0.1, -0.05],
              [0.0, 0.3, -0.2, 0.1]])


def main():
    inputs_dir, expected_dir = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(5)
    x = rng.uniform(-1, 1, (3, 6, 3)).astype(np.float32)
    mask = np.ones((3, 6), dtype=bool)
    mask[0, 2] = False
    mask[1, :] = False
    mask[2, 4:] = False
    batch, steps, _ = x.shape
    outputs = np.zeros((batch, steps, 4))
    state = np.zeros((batch, 4))
    for b in range(batch):
        h = np.zeros(4)
        previous = np.zeros(4)
        for t in range(steps):
            out = x[b, t].astype(np.float64) @ W + h @ U
            if mask[b, t]:
                h = out
                previous = out
            outputs[b, t] = previous
        state[b] = h
    os.makedirs(inputs_dir, exist_ok=True)
    os.makedirs(os.path.join(expected_dir, "final_state"), exist_ok=True)
    np.save(os.path.join(inputs_dir, "inputs.npy"), x)
    np.save(os.path.join(inputs_dir, "mask.npy"), mask)
    np.save(os.path.join(expected_dir, "outputs.npy"), outputs.astype(np.float32))
    np.save(os.path.join(expected_dir, "final_state", "0.npy"), state.astype(np.float32))


if __name__ == "__main__":
    main()
