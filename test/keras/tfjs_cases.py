#!/usr/bin/env python3
"""tfjs_cases.py --rnnc RNNC --node-modules DIR CASES_DIR: the second reference of
the Keras cases. Each Keras 2 case (CASE/tfjs.json, written by keras_cases.py)
is run by tfjs-layers 4.22 (tfjs_reference.mjs: the same config and weights)
and by `rnnc run` on CASE/model.h5; every output must agree at rtol 1e-4 /
atol 1e-5. Cases where tfjs-layers differs from Keras are listed with the
reason (docs/keras.md) and not compared."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

# tfjs-layers 4.22 and Keras differ here (docs/keras.md, "tfjs-layers").
KNOWN_DIFFERENCES = {
    "gru_reset_after_keras2": "tfjs's GRUCell refuses reset_after=True",
    "functional_subtract_keras2": "tfjs has no Subtract layer",
    "time_major_keras2": "tfjs has no time_major (inputs taken as [B, T, D])",
    "time_major_masking_keras2": "tfjs has no time_major (inputs taken as [B, T, D])",
    "stacked_cells_states_keras2":
        "tfjs returns StackedRNNCells' states last cell first (Keras < 2.2's reverse_state_order)",
    "simplernn_masking_zero_output_backwards_keras2": "tfjs has no zero_output_for_mask",
    "lstm_masking_zero_output_backwards_keras2": "tfjs has no zero_output_for_mask",
    "gru_masking_zero_output_backwards_keras2": "tfjs has no zero_output_for_mask",
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rnnc", required=True)
    parser.add_argument("--node-modules", required=True)
    parser.add_argument("cases")
    args = parser.parse_args()
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tfjs_reference.mjs")
    with open(os.path.join(args.cases, "cases.txt")) as f:
        cases = [line.strip() for line in f if line.strip()]
    failures, compared = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            directory = os.path.join(args.cases, case)
            spec = os.path.join(directory, "tfjs.json")
            if not os.path.exists(spec):
                continue
            if case in KNOWN_DIFFERENCES:
                print(f"KNOWN: {case}: {KNOWN_DIFFERENCES[case]}")
                continue
            out = os.path.join(tmp, case)
            tfjs_out = out + ".tfjs.json"
            proc = subprocess.run(["node", script, args.node_modules, spec, tfjs_out],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                failures.append(f"{case}: tfjs failed: {proc.stderr.strip()[-400:]}")
                continue
            proc = subprocess.run([args.rnnc, "run", os.path.join(directory, "model.h5"),
                                   "--inputs-dir", os.path.join(directory, "inputs"),
                                   "--output-dir", out, "--print-limit", "0"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                failures.append(f"{case}: rnnc failed: {proc.stderr.strip()[-400:]}")
                continue
            with open(spec) as f:
                names = json.load(f)["outputs"]
            with open(tfjs_out) as f:
                tfjs = json.load(f)
            for name, result in zip(names, tfjs):
                want = np.asarray(result["values"], np.float32).reshape(result["shape"])
                got = np.load(os.path.join(out, name + ".npy"))
                if got.shape != want.shape or not np.allclose(got, want, rtol=1e-4, atol=1e-5):
                    error = np.max(np.abs(got - want)) if got.shape == want.shape else "shape"
                    failures.append(f"{case}: output {name} differs from tfjs ({error})")
            compared += 1
            print(f"PASS: {case}")
    for failure in failures:
        print(f"FAIL: {failure}")
    print(f"{compared} cases agree with tfjs-layers, {len(failures)} failures")
    return 1 if failures or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
