#!/usr/bin/env python3
"""markdown_table.py RESULTS.csv

Prints rnnc-bench's CSV (one thread count) as the Markdown table of
docs/performance.md: times, GFLOP/s, % of peak, ratios to the peers, and the
rnnc with the Halide projection (--precision bf16|int8: rnnc f32), the B = 1
floor where measured, and the minor page faults of a warm call of each; –
where a column was not measured (oneDNN for custom cells but LSTM-custom, and
for the cells it has no bf16 or int8 primitive of)."""
import csv
import sys


def name(r):
    layers = int(r.get("layers") or 1)
    stack = f" L={layers}" if layers > 1 else ""
    return f'{r["cell"]}{stack} H={r["H"]} B={r["B"]}'


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    precision = rows[0].get("precision") or "f32" if rows else "f32"
    # bf16 and int8 runs: rnnc f32 where an f32 run has rnnc with Halide.
    other = "rnnc_f32_ms" if precision != "f32" else "halide_ms"
    other_header = ("rnnc f32 ms | f32 / " + precision if precision != "f32"
                    else "rnnc + Halide ms | Halide / loops")
    peer = "oneDNN" if precision == "f32" else "oneDNN " + precision
    print(f"| cell | L | H | B | T | rnnc ms | {peer} ms | fused ms | rnnc GFLOP/s | % peak "
          f"| vs {peer} | vs fused | {other_header} "
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

        halide, halide_ratio = variant(other)
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
