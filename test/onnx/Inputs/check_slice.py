"""check_slice.py DIR CASE: the sliced output S equals numpy's slicing of the
unsliced output Y with the case's bounds (ONNX clamps as Python does)."""
import sys

import numpy as np

directory, case = sys.argv[1], sys.argv[2]
y, s = np.load(f"{directory}/Y.npy"), np.load(f"{directory}/S.npy")
bounds = {"from3": (0, 3, 10**7), "to_end": (0, 1, None), "last2": (0, -2, None),
          "head2": (2, 0, 2), "mid": (0, 1, -1), "beyond": (0, 9, 12), "backwards": (0, 3, 1)}
if case == "last":
    expected = y[-1]
else:
    axis, start, end = bounds[case]
    index = [slice(None)] * y.ndim
    index[axis] = slice(start, end)
    expected = y[tuple(index)]
assert s.shape == expected.shape, (case, s.shape, expected.shape)
assert np.array_equal(s, expected), case
print(case, s.shape)
