#!/usr/bin/env python3
"""make_bad_models.py DIR: ONNX files that rnnc must refuse, one per problem,
plus good.onnx and its input, from which the others are derived."""
import os
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
H, D = 3, 2
rng = np.random.RandomState(0)
W = numpy_helper.from_array(rng.randn(1, 4 * H, D).astype(np.float32), "W")
R = numpy_helper.from_array(rng.randn(1, 4 * H, H).astype(np.float32), "R")
X = helper.make_tensor_value_info("X", onnx.TensorProto.FLOAT, ["T", "B", D])
Y_h = helper.make_tensor_value_info("Y_h", onnx.TensorProto.FLOAT, [1, "B", H])
np.save(os.path.join(out, "X.npy"), rng.randn(4, 2, D).astype(np.float32))


def model(nodes=None, inputs=None, outputs=None, inits=None, opset=14, name="lstm"):
    nodes = nodes or [helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node", hidden_size=H)]
    graph = helper.make_graph(nodes, name, inputs or [X], outputs or [Y_h],
                              [W, R] if inits is None else inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def save(name, m):
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())


good = model()
save("good.onnx", good)
data = good.SerializeToString()
with open(os.path.join(out, "truncated.onnx"), "wb") as f:
    f.write(data[: len(data) // 2])
with open(os.path.join(out, "corrupt.onnx"), "wb") as f:
    f.write(b"\xff\xfe garbage that is not protobuf \x00\x01\x02")
open(os.path.join(out, "empty.onnx"), "wb").close()
save("opset5.onnx", model(opset=5))
save("unknown_op.onnx", model(nodes=[helper.make_node("Foo", ["X"], ["Y_h"], name="foo_node")]))
save("clip.onnx", model(nodes=[helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node",
                                                 hidden_size=H, clip=-1.0)]))
save("bad_attribute.onnx", model(nodes=[helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"],
                                                          name="lstm_node", hidden_size=H, frobnicate=1)]))
save("gelu.onnx", model(nodes=[helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node",
                                                       hidden_size=H, activations=["Sigmoid", "Gelu", "Gelu"])]))
save("activation_count.onnx", model(nodes=[helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node",
                                                             hidden_size=H, activations=["Sigmoid", "Tanh"])]))
save("runtime_weight_shape.onnx", model(inputs=[X, helper.make_tensor_value_info("W", onnx.TensorProto.FLOAT, [1, 4 * H, "I"])],
                                        inits=[R]))
save("missing_initializer.onnx", model(inits=[W]))
save("bad_weight_shape.onnx", model(inits=[W, numpy_helper.from_array(np.zeros((1, 4 * H, H + 1), np.float32), "R")]))
save("output_not_computed.onnx", model(outputs=[helper.make_tensor_value_info("Z", onnx.TensorProto.FLOAT, [1])]))
save("output_shape_mismatch.onnx", model(outputs=[helper.make_tensor_value_info("Y_h", onnx.TensorProto.FLOAT, [1, "B", H + 1])]))
external = onnx.TensorProto()
external.CopyFrom(R)
external.ClearField("raw_data")
external.data_location = onnx.TensorProto.EXTERNAL
external.external_data.add(key="location", value="weights.bin")
save("external_data.onnx", model(inits=[W, external]))
short = onnx.TensorProto()
short.CopyFrom(R)
short.raw_data = R.raw_data[:-4]
save("short_initializer.onnx", model(inits=[W, short]))
# Names defined twice: the second initializer changed the outputs (last one won).
save("duplicate_initializer.onnx",
     model(inits=[W, R, numpy_helper.from_array(0.5 * rng.randn(1, 4 * H, H).astype(np.float32), "R")]))
save("duplicate_output.onnx", model(nodes=[
    helper.make_node("LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node", hidden_size=H),
    helper.make_node("Neg", ["Y_h"], ["Y_h"], name="neg_node")]))
save("negative_hidden_size.onnx", model(nodes=[helper.make_node(
    "LSTM", ["X", "W", "R"], ["", "Y_h"], name="lstm_node", hidden_size=-8)]))
# A PyTorch packed-sequence export's lengths: an int64 input cast to int32 in the
# graph before the LSTM reads it (values outside [0, T] were accepted).
L = helper.make_tensor_value_info("L", onnx.TensorProto.INT64, ["B"])
save("cast_lengths.onnx", model(inputs=[X, L], nodes=[
    helper.make_node("Cast", ["L"], ["L32"], name="cast_node", to=onnx.TensorProto.INT32),
    helper.make_node("LSTM", ["X", "W", "R", "", "L32"], ["", "Y_h"], name="lstm_node",
                     hidden_size=H)]))
np.save(os.path.join(out, "L_ok.npy"), np.array([4, 2], np.int64))
np.save(os.path.join(out, "L_negative.npy"), np.array([-3, 2], np.int64))
np.save(os.path.join(out, "L_huge.npy"), np.array([4, 10**6], np.int64))
np.save(os.path.join(out, "L_rows.npy"), np.array([4], np.int64))
# initial_h's batch is tied to X's by the ONNX op: a smaller one was read past
# its end (and B = 200000 segfaulted).
IH = helper.make_tensor_value_info("initial_h", onnx.TensorProto.FLOAT, [1, "batch_h", H])
save("initial_h.onnx", model(inputs=[X, IH], nodes=[helper.make_node(
    "LSTM", ["X", "W", "R", "", "", "initial_h"], ["", "Y_h"], name="lstm_node", hidden_size=H)]))
np.save(os.path.join(out, "h_rows1.npy"), np.zeros((1, 1, H), np.float32))
np.save(os.path.join(out, "h_rows2.npy"), rng.randn(1, 2, H).astype(np.float32))
# A comparison given one input (found by rnnc-fuzz-onnx: its message read a
# second input that was not there).
save("less_one_input.onnx", model(nodes=[helper.make_node("Less", ["X"], ["Y_h"], name="less_node")]))
