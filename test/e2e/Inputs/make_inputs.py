#!/usr/bin/env python3
"""make_inputs.py DIR: writes good and deliberately broken .npy inputs for the
run-errors test of examples/lstm/model.mlir (inputs [T, B, 4], lengths [B])."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
x = rng.randn(6, 3, 4).astype(np.float32)
np.save(f"{out}/inputs.npy", x)
np.save(f"{out}/lengths.npy", np.array([6, 4, 1], np.int32))
np.save(f"{out}/lengths_i64.npy", np.array([6, 4, 1], np.int64))
np.save(f"{out}/lengths_too_long.npy", np.array([9, 4, 1], np.int32))
np.save(f"{out}/lengths_negative.npy", np.array([6, -1, 1], np.int32))
np.save(f"{out}/lengths_batch2.npy", np.array([6, 4], np.int32))
np.save(f"{out}/lengths_float.npy", np.array([6, 4, 1], np.float32))
np.save(f"{out}/inputs_depth5.npy", rng.randn(6, 3, 5).astype(np.float32))
np.save(f"{out}/inputs_rank2.npy", rng.randn(6, 4).astype(np.float32))
np.save(f"{out}/inputs_f64.npy", x.astype(np.float64))
np.save(f"{out}/inputs_fortran.npy", np.asfortranarray(x))
np.save(f"{out}/inputs_bigendian.npy", x.astype(">f4"))
with open(f"{out}/not_npy.npy", "wb") as f:
    f.write(b"this is not a numpy file")
with open(f"{out}/inputs.npy", "rb") as f:
    data = f.read()
with open(f"{out}/truncated.npy", "wb") as f:
    f.write(data[: len(data) - 7])
with open(f"{out}/trailing.npy", "wb") as f:
    f.write(data + b"\0\0\0\0")
np.save(f"{out}/inputs_long.npy", rng.randn(1000, 3, 4).astype(np.float32))
np.save(f"{out}/lengths_long.npy", np.array([1000, 5, 0], np.int32))
