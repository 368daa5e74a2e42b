#!/usr/bin/env python3
"""compare_npy.py EXPECTED_DIR ACTUAL_DIR [--atol A]

Checks that both directories hold the same .npy files (relative paths) and that
every array has the same shape and dtype and agrees within --atol. Prints the
worst difference per file; exits 1 on any mismatch."""
import argparse
import os
import sys

import numpy as np


def npy_files(root):
    found = set()
    for base, _, files in os.walk(root):
        for name in files:
            if name.endswith(".npy"):
                found.add(os.path.relpath(os.path.join(base, name), root))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("expected")
    parser.add_argument("actual")
    parser.add_argument("--atol", type=float, default=1e-5)
    args = parser.parse_args()
    expected, actual = npy_files(args.expected), npy_files(args.actual)
    ok = True
    if expected != actual:
        print(f"file sets differ: missing {sorted(expected - actual)}, extra {sorted(actual - expected)}")
        ok = False
    for rel in sorted(expected & actual):
        e = np.load(os.path.join(args.expected, rel))
        a = np.load(os.path.join(args.actual, rel))
        if e.shape != a.shape or e.dtype != a.dtype:
            print(f"{rel}: expected {e.dtype}{list(e.shape)}, got {a.dtype}{list(a.shape)}")
            ok = False
            continue
        worst = float(np.max(np.abs(e.astype(np.float64) - a))) if e.size else 0.0
        status = "ok" if worst <= args.atol else "MISMATCH"
        print(f"{rel}: max abs diff {worst:.3g} {status}")
        ok = ok and worst <= args.atol
    print("all match" if ok else "mismatch")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
