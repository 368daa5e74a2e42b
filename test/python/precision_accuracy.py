"""rnnc's bf16 and int8 models against f32, next to PyTorch's dynamic quantized
int8 (torch.quantization.quantize_dynamic) on the same weights and inputs.

    PYTHONPATH=build/python /usr/bin/python3 test/python/precision_accuracy.py

prints docs/precision.md's table: per cell, H and T, the max abs error of each
against PyTorch's f32 outputs, over the whole sequence and over its first and
last tenth of steps (how the error grows over T). Used by
test_precision_accuracy.py with smaller sizes."""
import os
import sys
import tempfile

import numpy as np
import torch

import rnnc


class Unwrapped(torch.nn.Module):
    """A recurrent layer in a module: quantize_dynamic leaves a bare
    top-level nn.LSTM unquantized."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer

    def forward(self, x):
        return self.layer(x)[0]


def torch_int8(module, x):
    """PyTorch's dynamic quantized module's outputs (qnnpack or onednn: Debian's
    torch has no fbgemm)."""
    engines = torch.backends.quantized.supported_engines
    torch.backends.quantized.engine = "onednn" if "onednn" in engines else "qnnpack"
    quantized = torch.quantization.quantize_dynamic(
        module, {torch.nn.LSTM, torch.nn.GRU}, dtype=torch.qint8)
    with torch.no_grad():
        return quantized(x).numpy()


def errors(cell, hidden, steps, batch=2, inputs=None, seed=0):
    """{name: (max abs error, over the first tenth of steps, over the last)}
    against PyTorch's f32 outputs, for rnnc f32, bf16 and int8 and PyTorch's
    dynamic int8, on a layer with PyTorch's default initialization."""
    torch.manual_seed(seed)
    inputs = inputs or hidden
    layer = getattr(torch.nn, cell)(inputs, hidden, batch_first=True)
    module = Unwrapped(layer).eval()
    x = torch.rand(batch, steps, inputs) * 2 - 1
    with torch.no_grad():
        want = module(x).numpy()
    results = {"torch int8": torch_int8(module, x)}
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "model.onnx")
        torch.onnx.export(module, (x,), path, input_names=["x"], output_names=["y"],
                          opset_version=14)
        for precision in ("f32", "bf16", "int8"):
            got = rnnc.load(path, precision=precision)(x=x.numpy())["y"]
            results["rnnc " + precision] = got.reshape(want.shape)
    tenth = max(1, steps // 10)
    table = {}
    for name, got in results.items():
        diff = np.abs(got - want)
        table[name] = (float(diff.max()), float(diff[:, :tenth].max()),
                       float(diff[:, -tenth:].max()))
    return table


def main():
    names = ["rnnc f32", "rnnc bf16", "rnnc int8", "torch int8"]
    print("| cell | H | T | " + " | ".join(names) + " |")
    print("|---|---:|---:|" + "---|" * len(names))
    for cell in ("LSTM", "GRU"):
        for hidden in (256, 1024, 2048):
            for steps in (50, 375):
                if hidden == 2048 and steps == 375:
                    continue
                table = errors(cell, hidden, steps)
                cells = ["%.1e (%.1e → %.1e)" % table[name] for name in names]
                print(f"| {cell} | {hidden} | {steps} | " + " | ".join(cells) + " |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
