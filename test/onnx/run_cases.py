#!/usr/bin/env python3
"""run_cases.py --rnnc RNNC CASES_DIR: runs `rnnc run` on every case listed in
CASES_DIR/cases.txt (CASE/model.onnx, CASE/inputs/*.npy) and compares each
output with CASE/expected/<name>.npy at rtol 1e-4 / atol 1e-5."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


def run_case(rnnc, case_dir, out_dir):
    cmd = [rnnc, "run", os.path.join(case_dir, "model.onnx"), "--inputs-dir",
           os.path.join(case_dir, "inputs"), "--output-dir", out_dir, "--print-limit", "0"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return f"rnnc exited {proc.returncode}: {proc.stderr.strip()[:400]}"
    if proc.stderr.strip():
        return f"rnnc printed to stderr: {proc.stderr.strip()[:400]}"
    expected_dir = os.path.join(case_dir, "expected")
    for name in sorted(os.listdir(expected_dir)):
        expected = np.load(os.path.join(expected_dir, name))
        path = os.path.join(out_dir, name)
        if not os.path.exists(path):
            return f"no output {name}"
        actual = np.load(path)
        if actual.shape != expected.shape:
            return f"{name}: shape {actual.shape}, expected {expected.shape}"
        if not np.allclose(actual, expected, rtol=1e-4, atol=1e-5):
            return f"{name}: max abs diff {np.max(np.abs(actual - expected)):.3g}"
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rnnc", required=True)
    parser.add_argument("cases")
    args = parser.parse_args()
    with open(os.path.join(args.cases, "cases.txt")) as f:
        names = [line.strip() for line in f if line.strip()]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            error = run_case(args.rnnc, os.path.join(args.cases, name), os.path.join(tmp, name))
            print(f"{'FAIL' if error else 'PASS'}: {name}" + (f": {error}" if error else ""))
            failed += error is not None
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed or not names else 0


if __name__ == "__main__":
    sys.exit(main())
