"""The accuracy contract of docs/precision.md: rnnc's int8 LSTM and GRU are no
further from PyTorch's f32 outputs than PyTorch's own dynamic quantized int8
(quantize_dynamic, same weights and inputs), and bf16 stays within 2e-2."""
import pytest

import precision_accuracy


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("hidden,steps", [(64, 100), (256, 40)])
def test_int8_no_worse_than_torch_dynamic_quantization(cell, hidden, steps):
    table = precision_accuracy.errors(cell, hidden, steps, seed=hidden + steps)
    assert table["rnnc f32"][0] < 1e-4
    assert 0 < table["rnnc int8"][0] <= table["torch int8"][0], table
    assert 0 < table["rnnc bf16"][0] < 2e-2, table
