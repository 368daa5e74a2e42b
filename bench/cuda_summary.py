#!/usr/bin/env python3
"""cuda_summary.py RESULTS.csv

Prints rnnc-cuda-bench's CSV as the Markdown table of docs/cuda.md: per
config rnnc's median ms, the cuBLAS baseline's, cuDNN's best algorithm's, the
speedups of rnnc over each (peer ms / rnnc ms: above 1 rnnc is faster), rnnc's
GFLOP/s, the recurrent weights' stream rate as a share of HBM bandwidth, and
the rnnc variants (other compile options) in ms. Contenders that failed or
disagreed show their status instead of a time."""
import csv
import sys


def number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return None if value != value else value


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    configs = {}
    for r in rows:
        key = (r["cell"], int(r["hidden"]), int(r["batch"]), int(r["steps"]))
        configs.setdefault(key, []).append(r)
    print("| cell | H | B | T | rnnc ms | cuBLAS ms | cuDNN ms (algo) | vs cuBLAS | vs cuDNN "
          "| rnnc GFLOP/s | weights % HBM | rnnc variants ms |")
    print("|---" * 12 + "|")
    failures = []
    for (cell, hidden, batch, steps), group in sorted(configs.items()):
        by_impl = {r["impl"]: r for r in group}
        for r in group:
            if r["status"] != "ok":
                failures.append(f"{cell} H={hidden} B={batch} {r['impl']}: {r['status']}")
        ok = {name: number(r["median_ms"]) for name, r in by_impl.items() if r["status"] == "ok"}
        rnnc = ok.get("rnnc")
        cublas = ok.get("cublas")
        cudnn = [(ms, name[len("cudnn_"):]) for name, ms in ok.items() if name.startswith("cudnn_")]
        best = min(cudnn) if cudnn else None
        variants = ", ".join(f"{name[len('rnnc_'):]} {ms:.3f}" for name, ms in sorted(ok.items())
                             if name.startswith("rnnc_"))

        def ms(value):
            return f"{value:.3f}" if value is not None else "failed"

        def ratio(peer):
            return f"{peer / rnnc:.2f}x" if peer is not None and rnnc else "-"

        rnnc_row = by_impl.get("rnnc", {})
        print(f"| {cell} | {hidden} | {batch} | {steps} | {ms(rnnc)} | {ms(cublas)} "
              f"| {ms(best[0]) + ' (' + best[1] + ')' if best else 'failed'} "
              f"| {ratio(cublas)} | {ratio(best[0] if best else None)} "
              f"| {rnnc_row.get('gflops', '-') if rnnc else '-'} "
              f"| {rnnc_row.get('hbm_percent', '-') if rnnc else '-'} | {variants or '-'} |")
    if failures:
        print("\nFailed or disagreeing contenders:\n")
        for line in failures:
            print(f"- {line}")


if __name__ == "__main__":
    main()
