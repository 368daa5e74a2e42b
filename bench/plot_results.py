#!/usr/bin/env python3
"""plot_results.py RESULTS.csv OUT.svg

Draws rnnc-bench's CSV as an SVG bar chart: per config, rnnc's speed relative
to oneDNN and to the hand-fused baseline (> 1: rnnc is faster), with the
line at 1 (no oneDNN bar where it has no such cell). Plain SVG, no plotting
library needed."""
import csv
import sys


def ratio(row, key):
    return float(row[key]) if row.get(key) else 0.0


def main():
    rows = list(csv.DictReader(open(sys.argv[1])))
    bar, gap, left, top, width = 7, 6, 190, 40, 520
    scale = width / max(3.0, max(max(ratio(r, "vs_onednn"), ratio(r, "vs_fused")) for r in rows))
    height = top + len(rows) * (2 * bar + gap) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 40}" '
           f'height="{height}" font-family="sans-serif" font-size="11">',
           f'<text x="{left}" y="18" font-size="13">rnnc speed relative to oneDNN (blue) and '
           f'the hand-fused baseline (orange); &gt; 1: rnnc faster</text>']
    for i, r in enumerate(rows):
        y = top + i * (2 * bar + gap)
        layers = int(r.get("layers") or 1)
        stack = f" L={layers}" if layers > 1 else ""
        label = f'{r["cell"]}{stack} H={r["H"]} B={r["B"]} T={r["T"]} thr={r["threads"]}'
        out.append(f'<text x="{left - 6}" y="{y + bar + 3}" text-anchor="end">{label}</text>')
        for j, (key, color) in enumerate((("vs_onednn", "#3b6fb6"), ("vs_fused", "#e08a2e"))):
            value = ratio(r, key)
            out.append(f'<rect x="{left}" y="{y + j * bar}" width="{value * scale:.1f}" '
                       f'height="{bar - 1}" fill="{color}"/>')
            out.append(f'<text x="{left + value * scale + 3:.1f}" y="{y + j * bar + bar - 1}" '
                       f'font-size="8">{value:.2f}</text>')
    x1 = left + scale
    out.append(f'<line x1="{x1:.1f}" y1="{top - 6}" x2="{x1:.1f}" y2="{height - 30}" '
               'stroke="black" stroke-dasharray="3,3"/>')
    out.append(f'<text x="{x1:.1f}" y="{height - 16}" text-anchor="middle">1×</text>')
    out.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
