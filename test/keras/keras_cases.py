#!/usr/bin/env python3
"""keras_cases.py DIR: Keras model files as Keras writes them, with inputs and
expected outputs, as cases for test/onnx/run_cases.py (DIR/cases.txt,
DIR/<case>/model.keras or model.h5, inputs/, expected/).

Files are written with h5py and zipfile in Keras's own layouts (docs/keras.md
cites the Keras source of each): Keras 3 `.keras` (a zip of config.json,
metadata.json and model.weights.h5 with each layer's variables under
layers/<class in snake case>/.../vars/<i>) and Keras 2 `.h5` (root attribute model_config,
model_weights/<layer>/<weight name> with layer_names and weight_names).
Expected values come from the scalar numpy Keras equations below, written
from ../shared/brief/semantics.md (LSTM gates i, f, c, o; GRU z, r, h with
reset_after; SimpleRNN), sharing nothing with rnnc."""
import json
import os
import re
import sys
import zipfile

import h5py
import numpy as np

RNG = np.random.default_rng(7)


def activation(name):
    return {
        "tanh": np.tanh,
        "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
        "relu": lambda x: np.maximum(x, 0),
        "linear": lambda x: x,
        # Keras 2's; Keras 3's is clip(x / 6 + 0.5, 0, 1).
        "hard_sigmoid_keras2": lambda x: np.clip(0.2 * x + 0.5, 0, 1),
        "hard_sigmoid_keras3": lambda x: np.clip(x / 6 + 0.5, 0, 1),
    }[name]


def recurrent_reference(kind, config, weights, x, keras3):
    """Keras's RNN over x [B, T, D] without a mask: the last output or all."""
    units = config["units"]
    act = activation(config.get("activation", "tanh"))
    gate_name = config.get("recurrent_activation", "sigmoid")
    if gate_name == "hard_sigmoid":
        gate_name += "_keras3" if keras3 else "_keras2"
    gate = activation(gate_name)
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    batch, steps, _ = x.shape
    h = np.zeros((batch, units))
    c = np.zeros((batch, units))
    order = range(steps - 1, -1, -1) if config.get("go_backwards") else range(steps)
    outputs = []
    for t in order:
        xw = x[:, t] @ kernel
        hu = h @ recurrent
        if bias is not None:
            if kind == "GRU" and config.get("reset_after", True):
                xw = xw + bias[0]
                hu = hu + bias[1]
            else:
                xw = xw + bias
        if kind == "SimpleRNN":
            h = act(xw + hu)
        elif kind == "LSTM":
            i, f, g, o = np.split(xw + hu, 4, axis=1)
            c = gate(f) * c + gate(i) * act(g)
            h = gate(o) * act(c)
        else:
            xz, xr, xh = np.split(xw, 3, axis=1)
            if config.get("reset_after", True):
                hz, hr, hh = np.split(hu, 3, axis=1)
                z, r = gate(xz + hz), gate(xr + hr)
                candidate = act(xh + r * hh)
            else:
                uz, ur, uh = np.split(recurrent, 3, axis=1)
                z, r = gate(xz + h @ uz), gate(xr + h @ ur)
                candidate = act(xh + (r * h) @ uh)
            h = z * h + (1 - z) * candidate
        outputs.append(h)
    if config.get("return_sequences"):
        return np.stack(outputs, axis=1)
    return outputs[-1]


GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}
CELL = {"SimpleRNN": "simple_rnn_cell", "LSTM": "lstm_cell", "GRU": "gru_cell"}


def recurrent_weights(kind, config, features):
    units, gates = config["units"], GATES[kind]
    weights = [RNG.uniform(-0.6, 0.6, (features, gates * units)),
               RNG.uniform(-0.6, 0.6, (units, gates * units))]
    if config.get("use_bias", True):
        shape = (2, gates * units) if kind == "GRU" and config.get("reset_after", True) else (
            gates * units,)
        weights.append(RNG.uniform(-0.3, 0.3, shape))
    return [w.astype(np.float32) for w in weights]


class Layer:
    """One layer: Keras class, config, variables by group, reference."""

    def __init__(self, class_name, name, config, groups, forward):
        self.class_name, self.name, self.config = class_name, name, dict(config, name=name)
        self.groups = groups  # [(group path or "", [arrays], [Keras 2 weight names])]
        self.forward = forward


def recurrent(kind, name, features, keras3, **options):
    config = dict({"units": 5, "activation": "tanh", "use_bias": True,
                   "return_sequences": False, "go_backwards": False}, **options)
    if kind != "SimpleRNN":
        config.setdefault("recurrent_activation", "sigmoid")
    if kind == "GRU":
        config.setdefault("reset_after", True)
    weights = recurrent_weights(kind, config, features)
    names = [f"{name}/{CELL[kind]}/{w}:0" for w in ("kernel", "recurrent_kernel", "bias")]
    return Layer(kind, name, config, [("cell", weights, names[:len(weights)])],
                 lambda x: recurrent_reference(kind, config, weights, x, keras3))


def bidirectional(kind, name, features, keras3, merge_mode="concat", **options):
    forward = recurrent(kind, "forward_" + kind.lower(), features, keras3, **options)
    backward = recurrent(kind, "backward_" + kind.lower(), features, keras3,
                         go_backwards=not options.get("go_backwards", False),
                         **{k: v for k, v in options.items() if k != "go_backwards"})

    def run(x):
        a = forward.forward(x)
        b = backward.forward(x)
        if forward.config["return_sequences"]:
            b = b[:, ::-1]  # back in input order
        return {"concat": lambda: np.concatenate([a, b], axis=-1), "sum": lambda: a + b,
                "ave": lambda: (a + b) / 2, "mul": lambda: a * b}[merge_mode]()

    def wrapped(layer):
        return {"module": "keras.layers", "class_name": layer.class_name,
                "config": layer.config, "registered_name": None}

    config = {"merge_mode": merge_mode, "layer": wrapped(forward),
              "backward_layer": wrapped(backward)}
    groups = [("forward_layer/cell", forward.groups[0][1],
               [f"{name}/{n}" for n in forward.groups[0][2]]),
              ("backward_layer/cell", backward.groups[0][1],
               [f"{name}/{n}" for n in backward.groups[0][2]])]
    return Layer("Bidirectional", name, config, groups, run)


def dense(name, features, units, activation_name="linear"):
    kernel = RNG.uniform(-0.5, 0.5, (features, units)).astype(np.float32)
    bias = RNG.uniform(-0.2, 0.2, (units,)).astype(np.float32)
    config = {"units": units, "activation": activation_name, "use_bias": True}
    return Layer("Dense", name, config,
                 [("", [kernel, bias], [f"{name}/kernel:0", f"{name}/bias:0"])],
                 lambda x: activation(activation_name)(x @ kernel + bias))


def dropout(name):
    return Layer("Dropout", name, {"rate": 0.5}, [], lambda x: x)


def to_snake_case(name):
    """keras/src/utils/naming.py."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def write_keras3(path, input_name, batch_shape, layers):
    entries = [{"module": "keras.layers", "class_name": "InputLayer",
                "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False,
                           "name": input_name}, "registered_name": None}]
    for layer in layers:
        entries.append({"module": "keras.layers", "class_name": layer.class_name,
                        "config": layer.config, "registered_name": None})
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": "sequential", "trainable": True, "layers": entries,
                         "build_input_shape": batch_shape},
              "registered_name": None, "build_config": {"input_shape": batch_shape},
              "compile_config": None}
    weights_path = path + ".weights.h5"
    taken = {}
    with h5py.File(weights_path, "w") as f:
        for layer in layers:
            # saving_lib._save_container_state: the class in snake case,
            # numbered from the second layer of a class on; not the name.
            slot = to_snake_case(layer.class_name)
            taken[slot] = taken.get(slot, 0) + 1
            if taken[slot] > 1:
                slot += f"_{taken[slot] - 1}"
            group = f.create_group(f"layers/{slot}")
            if not layer.groups:
                group.create_group("vars")
            for sub, arrays, _ in layer.groups:
                vars_group = group.create_group((sub + "/" if sub else "") + "vars")
                for i, array in enumerate(arrays):
                    vars_group.create_dataset(str(i), data=array)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(
            {"keras_version": "3.6.0", "date_saved": "2026-12-05@00:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.write(weights_path, "model.weights.h5")
    os.remove(weights_path)


def write_keras2(path, batch_shape, layers):
    entries = []
    for i, layer in enumerate(layers):
        config = dict(layer.config)
        if i == 0:
            config["batch_input_shape"] = batch_shape
            config["dtype"] = "float32"
        entries.append({"class_name": layer.class_name, "config": config})
    model_config = {"class_name": "Sequential",
                    "config": {"name": "sequential", "layers": entries}}
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [layer.name.encode("utf8") for layer in layers]
        for layer in layers:
            group = weights.create_group(layer.name)
            names = [n for _, _, ns in layer.groups for n in ns]
            arrays = [a for _, arrays, _ in layer.groups for a in arrays]
            group.attrs["weight_names"] = [n.encode("utf8") for n in names]
            for name, array in zip(names, arrays):
                group.create_dataset(name, data=array)


def make_case(root, case, keras3, batch, steps, features, build):
    layers = build(keras3)
    directory = os.path.join(root, case)
    os.makedirs(os.path.join(directory, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(directory, "expected"), exist_ok=True)
    batch_shape = [None, None, features]
    input_name = "input_layer" if keras3 else layers[0].name + "_input"
    if keras3:
        write_keras3(os.path.join(directory, "model.keras"), input_name, batch_shape, layers)
    else:
        write_keras2(os.path.join(directory, "model.h5"), batch_shape, layers)
    x = RNG.uniform(-1, 1, (batch, steps, features)).astype(np.float32)
    y = x.astype(np.float64)
    for layer in layers:
        y = layer.forward(y)
    np.save(os.path.join(directory, "inputs", input_name + ".npy"), x)
    np.save(os.path.join(directory, "expected", layers[-1].name + ".npy"), y.astype(np.float32))
    return case


def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    cases = []
    for keras3 in (True, False):
        suffix = "keras3" if keras3 else "keras2"
        for kind in ("SimpleRNN", "LSTM", "GRU"):
            cases.append(make_case(root, f"{kind.lower()}_{suffix}", keras3, 3, 6, 4,
                                   lambda k, kind=kind: [recurrent(kind, kind.lower(), 4, k)]))
            cases.append(make_case(
                root, f"{kind.lower()}_stacked_dense_{suffix}", keras3, 2, 5, 3,
                lambda k, kind=kind: [
                    recurrent(kind, "first", 3, k, return_sequences=True, units=6),
                    dropout("dropout"),
                    recurrent(kind, "second", 6, k, go_backwards=True, units=4),
                    dense("dense", 4, 3, "sigmoid")]))
        cases.append(make_case(root, f"gru_reset_before_{suffix}", keras3, 2, 4, 3,
                               lambda k: [recurrent("GRU", "gru", 3, k, reset_after=False,
                                                    recurrent_activation="hard_sigmoid")]))
        cases.append(make_case(root, f"lstm_no_bias_relu_{suffix}", keras3, 2, 4, 3,
                               lambda k: [recurrent("LSTM", "lstm", 3, k, use_bias=False,
                                                    activation="relu", return_sequences=True)]))
        for merge in ("concat", "sum", "ave", "mul"):
            cases.append(make_case(
                root, f"bidirectional_{merge}_{suffix}", keras3, 3, 5, 4,
                lambda k, merge=merge: [bidirectional("LSTM", "bidirectional", 4, k, merge,
                                                      return_sequences=True),
                                        bidirectional("GRU", "bidirectional_1",
                                                      10 if merge == "concat" else 5, k, merge)]))
    with open(os.path.join(root, "cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")


if __name__ == "__main__":
    main()
