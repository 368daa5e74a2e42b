#!/usr/bin/env python3
"""torch_quantized.py RESULTS.csv [--threads N]

PyTorch's dynamic quantized LSTM and GRU (torch.quantization.quantize_dynamic,
qint8 weights, activations quantized per call; Debian's torch 1.13 with the
onednn engine, no fbgemm) timed on the LSTM and GRU configs of an rnnc-bench
`--precision int8` CSV, in this process (one model at a time, warm, median of
at least 5 calls and 0.3 s), next to rnnc's int8 times from the CSV. Prints
the Markdown table of docs/performance.md; ratios > 1: rnnc is faster.

    build/bin/rnnc-bench --precision int8 --csv int8.csv
    /usr/bin/python3 bench/torch_quantized.py int8.csv"""
import argparse
import csv
import statistics
import time

import torch


class Unwrapped(torch.nn.Module):
    """quantize_dynamic leaves a bare top-level nn.LSTM unquantized."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)[0]


def median_ms(run):
    run()
    samples, spent = [], 0.0
    while len(samples) < 5 or spent < 0.3:
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
        samples.append(elapsed * 1e3)
        spent += elapsed
        if len(samples) >= 200:
            break
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("csv")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    engines = torch.backends.quantized.supported_engines
    torch.backends.quantized.engine = "onednn" if "onednn" in engines else "qnnpack"
    print(f"PyTorch {torch.__version__}, {args.threads} thread(s), quantized engine "
          f"{torch.backends.quantized.engine}\n")
    print("| cell | L | H | B | T | rnnc int8 ms | torch int8 ms | vs torch int8 |")
    print("|---" * 8 + "|")
    for row in csv.DictReader(open(args.csv)):
        if row["cell"] not in ("LSTM", "GRU"):
            continue
        layers, hidden = int(row.get("layers") or 1), int(row["H"])
        batch, steps = int(row["B"]), int(row["T"])
        torch.manual_seed(0)
        module = Unwrapped(getattr(torch.nn, row["cell"])(hidden, hidden, layers)).eval()
        quantized = torch.quantization.quantize_dynamic(
            module, {torch.nn.LSTM, torch.nn.GRU}, dtype=torch.qint8)
        x = torch.rand(steps, batch, hidden) * 2 - 1
        with torch.no_grad():
            int8 = median_ms(lambda: quantized(x))
        rnnc = float(row["rnnc_ms"])
        print(f'| {row["cell"]} | {layers} | {hidden} | {batch} | {steps} | {rnnc:.3f} '
              f'| {int8:.3f} | {int8 / rnnc:.2f}× |', flush=True)


if __name__ == "__main__":
    main()
