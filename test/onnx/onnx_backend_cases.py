#!/usr/bin/env python3
"""onnx_backend_cases.py DIR: writes ONNX's own backend node tests for LSTM, GRU
and RNN (the generators Debian's python3-onnx ships in
onnx/backend/test/case/node/{lstm,gru,rnn}.py) as runnable cases:

    DIR/<test name>/model.onnx, inputs/<name>.npy, expected/<name>.npy
    DIR/cases.txt

Each test appears twice: as ONNX wrote it (every input, weights included, a
graph input fed at run time) and as `<name>_initializers`, with the weights
(W, R, B, P) as initializers like exported models."""
import inspect
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnx.backend.test.case.node import gru, lstm, rnn

from case_files import new_case, save_model, write_case_list

WEIGHT_POSITIONS = {"LSTM": {1, 2, 3, 7}, "GRU": {1, 2, 3}, "RNN": {1, 2, 3}}
cases = []


def capture(node, inputs, outputs, name, **kwargs):
    cases.append((name, node, inputs, outputs))


def build(root, name, node, inputs, outputs, weights_as_initializers):
    d = new_case(root, name)
    graph_inputs, initializers = [], []
    present = [n for n in node.input]
    for input_name, value in zip([n for n in present if n], inputs):
        index = present.index(input_name)
        value = np.asarray(value)
        if weights_as_initializers and index in WEIGHT_POSITIONS[node.op_type]:
            initializers.append(numpy_helper.from_array(value, input_name))
        else:
            graph_inputs.append(helper.make_tensor_value_info(
                input_name, onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[value.dtype], value.shape))
            np.save(os.path.join(d, "inputs", input_name + ".npy"), value)
    graph_outputs = []
    for output_name, value in zip([n for n in node.output if n], outputs):
        value = np.asarray(value, np.float32)
        graph_outputs.append(helper.make_tensor_value_info(output_name, onnx.TensorProto.FLOAT, value.shape))
        np.save(os.path.join(d, "expected", output_name + ".npy"), value)
    graph = helper.make_graph([node], name, graph_inputs, graph_outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)])
    save_model(d, model)


def main(root):
    for module, cls in ((lstm, lstm.LSTM), (gru, gru.GRU), (rnn, rnn.RNN)):
        module.expect = capture
        for attr, fn in inspect.getmembers(cls, predicate=inspect.isfunction):
            if attr.startswith("export"):
                np.random.seed(0)
                fn()
    os.makedirs(root, exist_ok=True)
    names = []
    for name, node, inputs, outputs in cases:
        build(root, name, node, inputs, outputs, False)
        build(root, name + "_initializers", node, inputs, outputs, True)
        names += [name, name + "_initializers"]
    write_case_list(root, names)
    print(f"{len(names)} cases")


if __name__ == "__main__":
    main(sys.argv[1])
