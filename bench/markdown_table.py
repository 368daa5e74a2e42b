#!/usr/bin/env python3
"""markdown_table.py RESULTS.csv

Prints rnnc-bench's CSV (one thread count) as the Markdown table of
docs/performance.md: times, GFLOP/s, % of peak, ratios to the peers, and the
rnnc with the Halide projection, the B = 1 floor where measured, and the
minor page faults of a warm call of each; – where a column was not measured
(oneDNN for custom cells but LSTM-custom)."""
import csv
import sys


def name(r):
    layers = int(r.get("layers") or 1)
    stack = f" L={layers}" if layers > 1 else ""
    return f'{r["cell"]}{stack} H={r["H"]} B={r["B"]}'


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    print("| cell | L | H | B | T | rnnc ms | oneDNN ms | fused ms | rnnc GFLOP/s | % peak "
          "| vs oneDNN | vs fused | rnnc + Halide ms | Halide / loops "
          "| B=1 floor ms | rnnc / floor "
          "| faults/call rnnc / oneDNN / fused |")
    print("|---" * 17 + "|")
    for r in rows:
        rnnc = float(r["rnnc_ms"])

        def variant(key):
            if not r.get(key):
                return "–", "–"
            value = float(r[key])
            return f"{value:.3f}", f"{value / rnnc:.2f}×"

        halide, halide_ratio = variant("halide_ms")
        floor = "–"
        floor_ratio = "–"
        if r.get("floor_ms"):
            floor = f'{float(r["floor_ms"]):.3f}'
            floor_ratio = f'{rnnc / float(r["floor_ms"]):.2f}×'
        faults = " / ".join(
            f'{float(r[k]):.0f}' if r.get(k) else "–"
            for k in ("rnnc_faults_per_call", "onednn_faults_per_call", "fused_faults_per_call"))
        onednn = f'{float(r["onednn_ms"]):.3f}' if r.get("onednn_ms") else "–"
        vs_onednn = f'{float(r["vs_onednn"]):.2f}×' if r.get("vs_onednn") else "–"
        print(f'| {r["cell"]} | {r.get("layers") or 1} | {r["H"]} | {r["B"]} | {r["T"]} '
              f'| {rnnc:.3f} | {onednn} | {float(r["fused_ms"]):.3f} '
              f'| {float(r["rnnc_gflops"]):.1f} | {float(r["peak_percent"]):.0f}% '
              f'| {vs_onednn} | {float(r["vs_fused"]):.2f}× '
              f'| {halide} | {halide_ratio} | {floor} | {floor_ratio} '
              f'| {faults} |')


if __name__ == "__main__":
    main()
