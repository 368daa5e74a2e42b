#!/usr/bin/env python3
"""run_cases.py --rnnc RNNC CASES_DIR: runs `rnnc run` on every case listed in
CASES_DIR/cases.txt (CASE/model.onnx, .keras or .h5, CASE/inputs/*.npy) and compares each
output with CASE/expected/<name>.npy at rtol 1e-4 / atol 1e-5. A case with runs
(CASE/runs/<run>/{inputs,expected}) is run once per run; a case with
CASE/refused.txt must be refused by `rnnc compile` with each of its lines in the
message, and without a crash; a run with a refused.txt, by `rnnc run` so.

With --gpu-on-host: the same through the CUDA target's kernels run on the CPU
(`rnnc run --gpu-on-host`: the persistent time-loop kernel, its grid barriers,
the host code).

With --cuda-objects LLVM_NM: compiles each case's model for the CUDA target
instead (`rnnc compile --target cuda:sm_80`), and checks that the object needs
no outside symbol; exits 77 (skipped) without a CUDA toolkit."""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np


def model_path(case_dir):
    for name in ("model.onnx", "model.keras", "model.h5"):
        if os.path.exists(os.path.join(case_dir, name)):
            return os.path.join(case_dir, name)
    return os.path.join(case_dir, "model.onnx")


def run_case(rnnc, case_dir, out_dir, extra):
    refused = os.path.join(case_dir, "refused.txt")
    if os.path.exists(refused):
        return check_refusal(rnnc, case_dir, refused, extra)
    runs = os.path.join(case_dir, "runs")
    if os.path.isdir(runs):
        names = sorted(os.listdir(runs))
        # Through the CUDA kernels on the CPU (slower), the first and last.
        for run in names[:1] + names[-1:] if "--gpu-on-host" in extra else names:
            error = run_once(rnnc, model_path(case_dir), os.path.join(runs, run),
                             os.path.join(out_dir, run), extra)
            if error:
                return f"{run}: {error}"
        return None
    return run_once(rnnc, model_path(case_dir), case_dir, out_dir, extra)


def check_refusal(rnnc, case_dir, refused, extra):
    with open(refused) as f:
        wanted = [line.strip() for line in f if line.strip()]
    cmd = [rnnc, "compile", model_path(case_dir), "--emit=rnn", "-o",
           os.devnull] + [e for e in extra if e != "--gpu-on-host"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 0:
        return "accepted a model it should refuse (update refused.txt if it now works)"
    if proc.returncode < 0 or proc.returncode > 1:
        return f"rnnc exited {proc.returncode}: {proc.stderr.strip()[:400]}"
    missing = [w for w in wanted if w not in proc.stderr]
    if missing:
        return f"the refusal does not say {missing}: {proc.stderr.strip()[:400]}"
    return None


def run_once(rnnc, model, case_dir, out_dir, extra):
    cmd = [rnnc, "run", model, "--inputs-dir", os.path.join(case_dir, "inputs"), "--output-dir",
           out_dir, "--print-limit", "0"] + extra
    proc = subprocess.run(cmd, capture_output=True, text=True)
    refused = os.path.join(case_dir, "refused.txt")
    if os.path.exists(refused):
        with open(refused) as f:
            wanted = [line.strip() for line in f if line.strip()]
        if proc.returncode != 1:
            return f"rnnc exited {proc.returncode}, not 1 (a refusal): {proc.stderr.strip()[:400]}"
        missing = [w for w in wanted if w not in proc.stderr]
        return f"the refusal does not say {missing}: {proc.stderr.strip()[:400]}" if missing else None
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


def compile_cuda(rnnc, llvm_nm, case_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    obj = os.path.join(out_dir, "model.o")
    cmd = [rnnc, "compile", model_path(case_dir), "--target", "cuda:sm_80",
           "-o", obj]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return f"rnnc exited {proc.returncode}: {proc.stderr.strip()[:400]}"
    undefined = subprocess.run([llvm_nm, "--undefined-only", obj], capture_output=True,
                               text=True, check=True).stdout.strip()
    if undefined:
        return f"the object needs outside symbols: {undefined[:200]}"
    return None


def cuda_toolkit():
    for variable in ("CUDA_HOME", "CUDA_ROOT", "CUDA_PATH"):
        if os.environ.get(variable):
            return os.environ[variable]
    libdevice = "/usr/local/cuda/nvvm/libdevice/libdevice.10.bc"
    return "/usr/local/cuda" if os.path.exists(libdevice) else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rnnc", required=True)
    parser.add_argument("--cuda-objects", metavar="LLVM_NM")
    parser.add_argument("--gpu-on-host", action="store_true")
    parser.add_argument("cases")
    args = parser.parse_args()
    if args.cuda_objects and not cuda_toolkit():
        print("no CUDA toolkit (libdevice): set CUDA_HOME; CUDA objects not checked")
        return 77
    with open(os.path.join(args.cases, "cases.txt")) as f:
        names = [line.strip() for line in f if line.strip()]
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            case_dir, out_dir = os.path.join(args.cases, name), os.path.join(tmp, name)
            refused = os.path.exists(os.path.join(case_dir, "refused.txt"))
            error = (compile_cuda(args.rnnc, args.cuda_objects, case_dir, out_dir)
                     if args.cuda_objects and not refused else
                     run_case(args.rnnc, case_dir, out_dir,
                              ["--gpu-on-host"] if args.gpu_on_host else []))
            print(f"{'FAIL' if error else 'PASS'}: {name}" + (f": {error}" if error else ""))
            failed += error is not None
    print(f"{len(names) - failed} passed, {failed} failed")
    return 1 if failed or not names else 0


if __name__ == "__main__":
    sys.exit(main())
