"""The models rnnc-cuda-bench times: one ONNX LSTM or GRU layer (GRU with
linear_before_reset = 1, cuDNN's GRU) per hidden size, input size = hidden
size, X [T, B, H] with T and B named run-time sizes, output Y only; beside each
model its weights as .npy in ONNX's layout (W [1, G*H, I], R [1, G*H, H],
B [1, 2*G*H]), which the benchmark gives cuDNN and cuBLAS.

    cuda_models.py OUT_DIR [--cells lstm,gru] [--hidden 256,512,1024,2048]

Writes OUT_DIR/<cell>_h<H>.onnx and OUT_DIR/<cell>_h<H>.{W,R,B}.npy. Weights
are uniform in +-1/sqrt(H) (PyTorch's initialization), seeded per model.
"""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

GATES = {"lstm": 4, "gru": 3}


def write_model(out_dir, cell, hidden):
    gates = GATES[cell]
    rng = np.random.default_rng(1000 * gates + hidden)
    scale = 1.0 / np.sqrt(hidden)
    weights = {
        "W": rng.uniform(-scale, scale, (1, gates * hidden, hidden)).astype(np.float32),
        "R": rng.uniform(-scale, scale, (1, gates * hidden, hidden)).astype(np.float32),
        "B": rng.uniform(-scale, scale, (1, 2 * gates * hidden)).astype(np.float32),
    }
    name = f"{cell}_h{hidden}"
    attributes = {"hidden_size": hidden}
    if cell == "gru":
        attributes["linear_before_reset"] = 1
    node = helper.make_node(cell.upper(), ["X", "W", "R", "B"], ["Y"], **attributes)
    graph = helper.make_graph(
        [node],
        name,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["T", "B", hidden])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["T", 1, "B", hidden])],
        [numpy_helper.from_array(array, key) for key, array in weights.items()],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(out_dir, name + ".onnx"))
    for key, array in weights.items():
        np.save(os.path.join(out_dir, f"{name}.{key}.npy"), array)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir")
    parser.add_argument("--cells", default="lstm,gru")
    parser.add_argument("--hidden", default="256,512,1024,2048")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    for cell in args.cells.split(","):
        for hidden in args.hidden.split(","):
            write_model(args.out_dir, cell, int(hidden))


if __name__ == "__main__":
    main()
