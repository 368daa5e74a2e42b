#!/usr/bin/env python3
"""markdown_table.py RESULTS.csv
markdown_table.py --generic ONE_THREAD.csv TWO_THREADS.csv

Prints rnnc-bench's CSV (one thread count) as the Markdown table of
docs/performance.md: times, GFLOP/s, % of peak, ratios to the peers, and the
rnnc variants (Halide projection, --wavefront=false), the B = 1 floor where
measured, and the minor page faults of a warm call of each; – where a column
was not measured (oneDNN for custom cells).

With --generic, the tables of docs/performance.md's "Custom cells" section
from a 1-thread and a 2-thread run: each built-in config's specialized and
--generic-cells times and their ratio (xgeneric), then the custom cells'
rows against the fused baseline (and oneDNN for LSTM-custom)."""
import csv
import sys


def name(r):
    layers = int(r.get("layers") or 1)
    stack = f" L={layers}" if layers > 1 else ""
    return f'{r["cell"]}{stack} H={r["H"]} B={r["B"]}'


def generic_tables(one_path, two_path):
    runs = [list(csv.DictReader(open(path))) for path in (one_path, two_path)]
    by_name = [{name(r): r for r in rows} for rows in runs]
    print("| config | 1 thread: rnnc ms | generic ms | xgeneric "
          "| 2 threads: rnnc ms | generic ms | xgeneric |")
    print("|---" * 7 + "|")
    for r in runs[0]:
        if not r.get("generic_ms"):
            continue
        cells = []
        for table in by_name:
            other = table.get(name(r))
            if other and other.get("generic_ms"):
                rnnc, generic = float(other["rnnc_ms"]), float(other["generic_ms"])
                cells += [f"{rnnc:.3f}", f"{generic:.3f}", f"{generic / rnnc:.2f}"]
            else:
                cells += ["–"] * 3
        print(f'| {name(r)} | ' + " | ".join(cells) + " |")
    print()
    print("| custom cell | threads | rnnc ms | fused ms | vs fused | oneDNN ms | vs oneDNN |")
    print("|---" * 7 + "|")
    for rows in runs:
        for r in rows:
            if r.get("generic_ms"):
                continue
            onednn = f'{float(r["onednn_ms"]):.3f}' if r.get("onednn_ms") else "–"
            vs_onednn = f'{float(r["vs_onednn"]):.2f}×' if r.get("vs_onednn") else "–"
            print(f'| {name(r)} | {r["threads"]} | {float(r["rnnc_ms"]):.3f} '
                  f'| {float(r["fused_ms"]):.3f} | {float(r["vs_fused"]):.2f}× '
                  f'| {onednn} | {vs_onednn} |')


def main():
    if sys.argv[1] == "--generic":
        return generic_tables(sys.argv[2], sys.argv[3])
    rows = list(csv.DictReader(open(sys.argv[1])))
    print("| cell | L | H | B | T | rnnc ms | oneDNN ms | fused ms | rnnc GFLOP/s | % peak "
          "| vs oneDNN | vs fused | rnnc + Halide ms | Halide / loops "
          "| rnnc --wavefront=false ms | that / rnnc | B=1 floor ms | rnnc / floor "
          "| faults/call rnnc / oneDNN / fused |")
    print("|---" * 19 + "|")
    for r in rows:
        rnnc = float(r["rnnc_ms"])

        def variant(key):
            if not r.get(key):
                return "–", "–"
            value = float(r[key])
            return f"{value:.3f}", f"{value / rnnc:.2f}×"

        halide, halide_ratio = variant("halide_ms")
        layers, layers_ratio = variant("layer_by_layer_ms")
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
              f'| {halide} | {halide_ratio} | {layers} | {layers_ratio} | {floor} | {floor_ratio} '
              f'| {faults} |')


if __name__ == "__main__":
    main()
