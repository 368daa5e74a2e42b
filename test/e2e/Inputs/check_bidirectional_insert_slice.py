"""numpy reference of bidirectional-insert-slice.mlir (tanh RNN cells, time-major):
two layers of 4 units over x (forward, reverse), joined, then 8 units."""
import sys

import numpy as np


def rnn(x, kernel, bias, reverse=False):
    T, B, _ = x.shape
    h = np.zeros((B, kernel.shape[1]), np.float64)
    y = np.zeros((T, B, kernel.shape[1]), np.float64)
    for t in (reversed(range(T)) if reverse else range(T)):
        h = np.tanh(np.concatenate([x[t], h], axis=1) @ kernel + bias)
        y[t] = h
    return y


x = np.load(sys.argv[1]).astype(np.float64)
k0, b0 = np.full((7, 4), 0.1), np.zeros(4)
joined = np.concatenate([rnn(x, k0, b0), rnn(x, k0, b0, reverse=True)], axis=2)
expected = rnn(joined, np.full((16, 8), 0.05), np.zeros(8))
got = np.load(sys.argv[2])
assert got.shape == expected.shape, (got.shape, expected.shape)
assert np.abs(got - expected).max() < 1e-5, np.abs(got - expected).max()
