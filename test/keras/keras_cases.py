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


def gates_of(config, keras3):
    act = activation(config.get("activation", "tanh"))
    gate_name = config.get("recurrent_activation", "sigmoid")
    if gate_name == "hard_sigmoid":
        gate_name += "_keras3" if keras3 else "_keras2"
    return act, activation(gate_name)


def cell_step(kind, config, weights, keras3, x, h, c):
    """One step of a Keras cell on x [B, D]: (h, c) after it."""
    act, gate = gates_of(config, keras3)
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) > 2 else None
    xw = x @ kernel
    hu = h @ recurrent
    if bias is not None:
        if kind == "GRU" and config.get("reset_after", True):
            xw = xw + bias[0]
            hu = hu + bias[1]
        else:
            xw = xw + bias
    if kind == "SimpleRNN":
        return act(xw + hu), c
    if kind == "LSTM":
        i, f, g, o = np.split(xw + hu, 4, axis=1)
        c = gate(f) * c + gate(i) * act(g)
        return gate(o) * act(c), c
    xz, xr, xh = np.split(xw, 3, axis=1)
    if config.get("reset_after", True):
        hz, hr, hh = np.split(hu, 3, axis=1)
        z, r = gate(xz + hz), gate(xr + hr)
        candidate = act(xh + r * hh)
    else:
        uz, ur, uh = np.split(recurrent, 3, axis=1)
        z, r = gate(xz + h @ uz), gate(xr + h @ ur)
        candidate = act(xh + (r * h) @ uh)
    return z * h + (1 - z) * candidate, c


def run_cells(cells, config, x, mask=None, initial=None):
    """Keras's RNN (backend.rnn) over x [B, T, D] stepping `cells` [(kind,
    cell config, weights, keras3)] in turn (one, or StackedRNNCells): a
    masked step keeps every state and emits the previous output (zeros at
    first), or zeros with zero_output_for_mask. Returns (output, states in
    Keras order: per cell h(, c))."""
    if config.get("time_major"):
        # Keras's time-major masks are [T, B] too (Masking on [T, B, D]).
        x = x.transpose(1, 0, 2)
        mask = None if mask is None else mask.T
    batch, steps, _ = x.shape
    states = []
    for k, (kind, cell_config, _, _) in enumerate(cells):
        units = cell_config["units"]
        if initial is not None and k == 0:
            h = initial[0].astype(np.float64)
            c = initial[1].astype(np.float64) if len(initial) > 1 else np.zeros((batch, units))
        else:
            h, c = np.zeros((batch, units)), np.zeros((batch, units))
        states.append([h, c])
    if config.get("go_backwards"):
        x = x[:, ::-1]
        mask = None if mask is None else mask[:, ::-1]
    units = cells[-1][1]["units"]
    previous = np.zeros((batch, units))
    outputs = []
    for t in range(steps):
        value, new_states = x[:, t], []
        for (kind, cell_config, weights, keras3), (h, c) in zip(cells, states):
            h, c = cell_step(kind, cell_config, weights, keras3, value, h, c)
            new_states.append([h, c])
            value = h
        if mask is None:
            states, out = new_states, value
        else:
            keep = mask[:, t][:, None]
            states = [[np.where(keep, n, o) for n, o in zip(new, old)]
                      for new, old in zip(new_states, states)]
            held = np.zeros_like(value) if config.get("zero_output_for_mask") else previous
            out = np.where(keep, value, held)
        previous = out
        outputs.append(out)
    flat = [s for (kind, _, _, _), (h, c) in zip(cells, states)
            for s in ([h, c] if kind == "LSTM" else [h])]
    if config.get("return_sequences"):
        sequence = np.stack(outputs, axis=1)
        return (sequence.transpose(1, 0, 2) if config.get("time_major") else sequence), flat
    return outputs[-1], flat


def recurrent_reference(kind, config, weights, x, keras3, mask=None, initial=None):
    return run_cells([(kind, config, weights, keras3)], config, x, mask, initial)


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
    """One layer: Keras class, config, variables by group, and its reference
    run(inputs, masks) -> (outputs, masks) over lists of arrays."""

    def __init__(self, class_name, name, config, groups, run):
        self.class_name, self.name, self.config = class_name, name, dict(config, name=name)
        self.groups = groups  # [(group path or "", [arrays], [Keras 2 weight names])]
        self.run = run


def recurrent(kind, name, features, keras3, **options):
    config = dict({"units": 5, "activation": "tanh", "use_bias": True,
                   "return_sequences": False, "return_state": False, "go_backwards": False,
                   "stateful": False, "unroll": False, "zero_output_for_mask": False},
                  **options)
    if kind != "SimpleRNN":
        config.setdefault("recurrent_activation", "sigmoid")
    if kind == "GRU":
        # Keras 3's default; the Keras 2 cases use Keras 2.3's, which
        # tfjs-layers (tfjs_cases.py) also runs.
        config.setdefault("reset_after", keras3)
    weights = recurrent_weights(kind, config, features)
    names = [f"{name}/{CELL[kind]}/{w}:0" for w in ("kernel", "recurrent_kernel", "bias")]

    def run(inputs, masks):
        output, states = recurrent_reference(kind, config, weights, inputs[0], keras3, masks[0],
                                             inputs[1:] or None)
        out_mask = masks[0] if config["return_sequences"] else None
        if config["return_state"]:
            return [output] + states, [out_mask] + [None] * len(states)
        return [output], [out_mask]

    return Layer(kind, name, config, [("cell", weights, names[:len(weights)])], run)


def rnn_with_cell(kind, name, features, keras3, **options):
    """keras.layers.RNN(LSTMCell(...)): the cell's config inside the layer's."""
    inner = recurrent(kind, name, features, keras3, **options)
    cell_keys = ("units", "activation", "recurrent_activation", "use_bias", "reset_after")
    cell_config = {k: v for k, v in inner.config.items() if k in cell_keys}
    cell_config["name"] = CELL[kind]
    config = {k: v for k, v in inner.config.items() if k not in cell_keys and k != "name"}
    config["cell"] = {"module": "keras.layers", "class_name": kind.replace("SimpleRNN", "SimpleRNN")
                      + "Cell", "config": cell_config, "registered_name": None}
    groups = [("cell", inner.groups[0][1],
               [n.replace(f"{name}/{CELL[kind]}/", f"{name}/{CELL[kind]}/")
                for n in inner.groups[0][2]])]
    return Layer("RNN", name, config, groups, inner.run)


def stacked_rnn(name, features, keras3, cells, **options):
    """keras.layers.RNN(StackedRNNCells([...])): cells [(kind, units)]."""
    config = dict({"return_sequences": False, "return_state": False, "go_backwards": False,
                   "stateful": False, "unroll": False, "zero_output_for_mask": False}, **options)
    specs, entries, groups, taken, depth = [], [], [], {}, features
    for kind, units in cells:
        cell_config = {"units": units, "activation": "tanh", "use_bias": True}
        if kind != "SimpleRNN":
            cell_config["recurrent_activation"] = "sigmoid"
        if kind == "GRU":
            cell_config["reset_after"] = keras3
        weights = recurrent_weights(kind, cell_config, depth)
        slot = to_snake_case(kind + "Cell")
        taken[slot] = taken.get(slot, 0) + 1
        if taken[slot] > 1:
            slot += f"_{taken[slot] - 1}"
        cell_config["name"] = slot
        names = [f"{name}/stacked_rnn_cells/{slot}/{w}:0"
                 for w in ("kernel", "recurrent_kernel", "bias")]
        groups.append((f"cell/cells/{slot}", weights, names))
        entries.append({"module": "keras.layers", "class_name": kind + "Cell",
                        "config": cell_config, "registered_name": None})
        specs.append((kind, cell_config, weights, keras3))
        depth = units
    config["cell"] = {"module": "keras.layers", "class_name": "StackedRNNCells",
                      "config": {"cells": entries}, "registered_name": None}

    def run(inputs, masks):
        output, states = run_cells(specs, config, inputs[0], masks[0])
        out_mask = masks[0] if config["return_sequences"] else None
        if config["return_state"]:
            return [output] + states, [out_mask] + [None] * len(states)
        return [output], [out_mask]

    return Layer("RNN", name, config, groups, run)


def bidirectional(kind, name, features, keras3, merge_mode="concat", **options):
    forward = recurrent(kind, "forward_" + kind.lower(), features, keras3, **options)
    backward = recurrent(kind, "backward_" + kind.lower(), features, keras3,
                         go_backwards=not options.get("go_backwards", False),
                         **{k: v for k, v in options.items() if k != "go_backwards"})
    sequences = forward.config["return_sequences"]
    # Bidirectional forces zero_output_for_mask to return_sequences on both.
    for layer in (forward, backward):
        layer.config["zero_output_for_mask"] = sequences

    def run(inputs, masks):
        a, *fw_states = forward.run(inputs, masks)[0]
        b, *bw_states = backward.run(inputs, masks)[0]
        if sequences:
            b = b[:, ::-1]  # back in input order
        merged = {"concat": lambda: [np.concatenate([a, b], axis=-1)], "sum": lambda: [a + b],
                  "ave": lambda: [(a + b) / 2], "mul": lambda: [a * b],
                  None: lambda: [a, b]}[merge_mode]()
        outputs = merged + fw_states + bw_states
        out_mask = masks[0] if sequences else None
        return outputs, [out_mask] * len(merged) + [None] * (len(fw_states) + len(bw_states))

    def wrapped(layer):
        return {"module": "keras.layers", "class_name": layer.class_name,
                "config": layer.config, "registered_name": None}

    # Keras 3 always saves the backward layer; tf.keras only one the user
    # gave (else it derives it from `layer`, go_backwards flipped).
    config = {"merge_mode": merge_mode, "layer": wrapped(forward)}
    if keras3:
        config["backward_layer"] = wrapped(backward)
    groups = [("forward_layer/cell", forward.groups[0][1],
               [f"{name}/{n}" for n in forward.groups[0][2]]),
              ("backward_layer/cell", backward.groups[0][1],
               [f"{name}/{n}" for n in backward.groups[0][2]])]
    return Layer("Bidirectional", name, config, groups, run)


def dense(name, features, units, activation_name="linear", time_distributed=False):
    kernel = RNG.uniform(-0.5, 0.5, (features, units)).astype(np.float32)
    bias = RNG.uniform(-0.2, 0.2, (units,)).astype(np.float32)
    config = {"units": units, "activation": activation_name, "use_bias": True}

    def run(inputs, masks):
        return [activation(activation_name)(inputs[0] @ kernel + bias)], masks[:1]

    if time_distributed:
        inner = {"module": "keras.layers", "class_name": "Dense",
                 "config": dict(config, name="dense_inner"), "registered_name": None}
        return Layer("TimeDistributed", name, {"layer": inner},
                     [("layer", [kernel, bias], [f"{name}/kernel:0", f"{name}/bias:0"])], run)
    return Layer("Dense", name, config,
                 [("", [kernel, bias], [f"{name}/kernel:0", f"{name}/bias:0"])], run)


def dropout(name):
    return Layer("Dropout", name, {"rate": 0.5}, [], lambda inputs, masks: (inputs[:1], masks[:1]))


def activation_layer(name, activation_name):
    return Layer("Activation", name, {"activation": activation_name}, [],
                 lambda inputs, masks: ([activation(activation_name)(inputs[0])], masks[:1]))


def masking(name, mask_value=0.0):
    def run(inputs, masks):
        keep = np.any(inputs[0] != mask_value, axis=-1)
        return [inputs[0] * keep[..., None]], [keep]

    return Layer("Masking", name, {"mask_value": mask_value}, [], run)


def embedding(name, input_dim, output_dim, mask_zero):
    table = RNG.uniform(-1, 1, (input_dim, output_dim)).astype(np.float32)

    def run(inputs, masks):
        ids = inputs[0].astype(np.int64)
        return [table[ids]], [inputs[0] != 0 if mask_zero else None]

    return Layer("Embedding", name, {"input_dim": input_dim, "output_dim": output_dim,
                                     "mask_zero": mask_zero},
                 [("", [table], [f"{name}/embeddings:0"])], run)


def merge_layer(class_name, name):
    def run(inputs, masks):
        if class_name == "Concatenate":
            out = np.concatenate(inputs, axis=-1)
        elif class_name == "Add":
            out = sum(inputs)
        elif class_name == "Subtract":
            out = inputs[0] - inputs[1]
        elif class_name == "Multiply":
            out = np.prod(np.stack(inputs), axis=0)
        else:
            out = sum(inputs) / len(inputs)
        given = [m for m in masks if m is not None]
        return [out], [np.all(np.stack(given), axis=0) if given else None]

    config = {"axis": -1} if class_name == "Concatenate" else {}
    return Layer(class_name, name, config, [], run)


class Model:
    """A Keras model: inputs [(name, batch_shape, dtype)], calls [(layer,
    [(layer name, tensor index)])] in order, outputs [(layer name, tensor
    index)]; Sequential when built with sequential()."""

    def __init__(self, inputs, calls, outputs, is_sequential=False):
        self.inputs, self.calls, self.outputs = inputs, calls, outputs
        self.is_sequential = is_sequential
        self.values = {}

    def run(self, arrays):
        values = {name: ([arrays[name]], [None]) for name, _, _ in self.inputs}
        for layer, refs in self.calls:
            inputs = [values[n][0][i] for n, i in refs]
            masks = [values[n][1][i] for n, i in refs]
            values[layer.name] = layer.run(inputs, masks)
        self.values = values
        return {output_name(n, i): values[n][0][i] for n, i in self.outputs}


def output_name(layer, index):
    return layer if index == 0 else f"{layer}_{index}"


def sequential(input_name, batch_shape, layers, dtype="float32"):
    calls, previous = [], input_name
    for layer in layers:
        calls.append((layer, [(previous, 0)]))
        previous = layer.name
    return Model([(input_name, batch_shape, dtype)], calls, [(previous, 0)], True)


def to_snake_case(name):
    """keras/src/utils/naming.py."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def keras3_entry(class_name, config):
    return {"module": "keras.layers", "class_name": class_name, "config": config,
            "registered_name": None}


MERGES = ("Concatenate", "Add", "Subtract", "Multiply", "Average")


def write_keras3(path, model):
    """saving_lib: config.json, metadata.json, model.weights.h5 (stored)."""
    layers = [layer for layer, _ in model.calls]

    def shape_of(name, index):
        value = model.values[name][0][index]
        return [None] * min(value.ndim, 2) + list(value.shape[2:])

    def tensor(name, index):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": shape_of(name, index), "dtype": "float32",
                           "keras_history": [name, 0, index]}}

    entries = []
    for name, batch_shape, dtype in model.inputs:
        entry = keras3_entry("InputLayer", {"batch_shape": batch_shape, "dtype": dtype,
                                            "sparse": False, "name": name})
        if not model.is_sequential:
            entry.update(name=name, inbound_nodes=[])
        entries.append(entry)
    for layer, refs in model.calls:
        entry = keras3_entry(layer.class_name, layer.config)
        if not model.is_sequential:
            args = [tensor(n, i) for n, i in refs]
            if layer.class_name in MERGES:
                call = {"args": [args], "kwargs": {}}
            elif len(refs) > 1:
                call = {"args": args[:1], "kwargs": {"initial_state": args[1:],
                                                     "training": False, "mask": None}}
            else:
                call = {"args": args, "kwargs": {"training": False, "mask": None}}
            entry.update(name=layer.name, inbound_nodes=[call])
        entries.append(entry)
    if model.is_sequential:
        config = {"module": "keras", "class_name": "Sequential",
                  "config": {"name": "sequential", "trainable": True, "layers": entries,
                             "build_input_shape": model.inputs[0][1]},
                  "registered_name": None,
                  "build_config": {"input_shape": model.inputs[0][1]}, "compile_config": None}
        slotted = layers  # Sequential.layers excludes the InputLayer
    else:
        config = {"module": "keras.src.models.functional", "class_name": "Functional",
                  "config": {"name": "functional", "trainable": True, "layers": entries,
                             "input_layers": [[n, 0, 0] for n, _, _ in model.inputs],
                             "output_layers": [[n, 0, i] for n, i in model.outputs]},
                  "registered_name": "Functional"}
        slotted = [Layer("InputLayer", n, {}, [], None) for n, _, _ in model.inputs] + layers
    weights_path = path + ".weights.h5"
    taken = {}
    with h5py.File(weights_path, "w") as f:
        for layer in slotted:
            # saving_lib._save_container_state: the class in snake case,
            # numbered from the second layer of a class on; not the name.
            slot = to_snake_case(layer.class_name)
            taken[slot] = taken.get(slot, 0) + 1
            if taken[slot] > 1:
                slot += f"_{taken[slot] - 1}"
            for sub, arrays, _ in layer.groups:
                group = f.create_group(f"layers/{slot}/" + (sub + "/" if sub else "") + "vars")
                for i, array in enumerate(arrays):
                    group.create_dataset(str(i), data=array)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(
            {"keras_version": "3.6.0", "date_saved": "2026-12-05@00:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.write(weights_path, "model.weights.h5")
    os.remove(weights_path)


def write_keras2(path, model):
    """hdf5_format.save_model_to_hdf5: model_config, model_weights."""
    layers = [layer for layer, _ in model.calls]
    entries = []
    if model.is_sequential:
        for i, layer in enumerate(layers):
            config = dict(layer.config)
            if i == 0:
                config["batch_input_shape"] = model.inputs[0][1]
                config["dtype"] = model.inputs[0][2]
            entries.append({"class_name": layer.class_name, "config": config})
        model_config = {"class_name": "Sequential",
                        "config": {"name": "sequential", "layers": entries}}
        saved = layers
    else:
        for name, batch_shape, dtype in model.inputs:
            entries.append({"class_name": "InputLayer", "name": name, "inbound_nodes": [],
                            "config": {"batch_input_shape": batch_shape, "dtype": dtype,
                                       "sparse": False, "ragged": False, "name": name}})
        for layer, refs in model.calls:
            entries.append({"class_name": layer.class_name, "config": layer.config,
                            "name": layer.name,
                            "inbound_nodes": [[[n, 0, i, {}] for n, i in refs]]})
        model_config = {"class_name": "Functional", "config": {
            "name": "model", "layers": entries,
            "input_layers": [[n, 0, 0] for n, _, _ in model.inputs],
            "output_layers": [[n, 0, i] for n, i in model.outputs]}}
        saved = [Layer("InputLayer", n, {}, [], None) for n, _, _ in model.inputs] + layers
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["backend"] = b"tensorflow"
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [layer.name.encode("utf8") for layer in saved]
        for layer in saved:
            group = weights.create_group(layer.name)
            names = [n for _, _, ns in layer.groups for n in ns]
            arrays = [a for _, arrays, _ in layer.groups for a in arrays]
            group.attrs["weight_names"] = [n.encode("utf8") for n in names]
            for name, array in zip(names, arrays):
                group.create_dataset(name, data=array)


def write_tfjs_spec(path, model, arrays):
    """The Keras 2 model config, weights in Keras's order and inputs, for
    tfjs_reference.mjs."""
    with h5py.File(path.replace("tfjs.json", "model.h5"), "r") as f:
        model_config = json.loads(f.attrs["model_config"])
        weights = []
        def text(name):
            return name.decode() if isinstance(name, bytes) else str(name)

        for layer in f["model_weights"].attrs["layer_names"]:
            group = f["model_weights"][text(layer)]
            for name in group.attrs["weight_names"]:
                array = np.asarray(group[text(name)], np.float32)
                weights.append({"shape": list(array.shape), "values": array.ravel().tolist()})
    inputs = [{"shape": list(arrays[n].shape), "values": arrays[n].ravel().tolist(),
               "dtype": "int32" if arrays[n].dtype.kind == "i" else "float32"}
              for n, _, _ in model.inputs]
    with open(path, "w") as f:
        json.dump({"model_config": model_config, "weights": weights, "inputs": inputs,
                   "outputs": [output_name(n, i) for n, i in model.outputs]}, f)


def make_case(root, case, keras3, model, arrays):
    directory = os.path.join(root, case)
    os.makedirs(os.path.join(directory, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(directory, "expected"), exist_ok=True)
    expected = model.run({k: v.astype(np.float64) if v.dtype == np.float32 else v
                          for k, v in arrays.items()})
    if keras3:
        write_keras3(os.path.join(directory, "model.keras"), model)
    else:
        write_keras2(os.path.join(directory, "model.h5"), model)
        write_tfjs_spec(os.path.join(directory, "tfjs.json"), model, arrays)
    for name, array in arrays.items():
        np.save(os.path.join(directory, "inputs", name + ".npy"), array)
    for name, value in expected.items():
        np.save(os.path.join(directory, "expected", name + ".npy"), value.astype(np.float32))
    return case


def floats(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


def padded(batch, steps, features):
    """Rows padded with zero steps at the end, one with a zero step inside."""
    x = floats(batch, steps, features)
    for b in range(batch):
        x[b, steps - b:] = 0
    x[0, 1] = 0
    return x


def cases_of(keras3):
    """(name, model, inputs) of every case, for one file kind."""
    def seq(layers, features, dtype="float32", shape=None):
        name = "input_layer" if keras3 else layers[0].name + "_input"
        return sequential(name, shape or [None, None, features], layers, dtype)

    def first_input(model, array):
        return {model.inputs[0][0]: array}

    m = seq([recurrent("GRU", "gru", 4, keras3, reset_after=True)], 4)
    yield "gru_reset_after", m, first_input(m, floats(3, 6, 4))
    for kind in ("SimpleRNN", "LSTM", "GRU"):
        m = seq([recurrent(kind, kind.lower(), 4, keras3)], 4)
        yield kind.lower(), m, first_input(m, floats(3, 6, 4))
        m = seq([recurrent(kind, "first", 3, keras3, return_sequences=True, units=6),
                 dropout("dropout"),
                 recurrent(kind, "second", 6, keras3, go_backwards=True, units=4),
                 dense("dense", 4, 3, "sigmoid")], 3)
        yield f"{kind.lower()}_stacked_dense", m, first_input(m, floats(2, 5, 3))
        # Masking: padded rows and a hole; sequences, then the last output.
        m = seq([masking("masking"),
                 recurrent(kind, "first", 3, keras3, return_sequences=True, units=4),
                 recurrent(kind, "second", 4, keras3, units=3)], 3)
        yield f"{kind.lower()}_masking", m, first_input(m, padded(4, 5, 3))
        m = seq([masking("masking"),
                 recurrent(kind, kind.lower(), 3, keras3, return_sequences=True, units=4,
                           zero_output_for_mask=True, go_backwards=True)], 3)
        yield f"{kind.lower()}_masking_zero_output_backwards", m, first_input(m, padded(4, 5, 3))
    # stateful: one call is the first of a stream (states exposed, keep_state);
    # tfjs-layers needs a fixed batch for it, so the Keras 3 file alone.
    m = seq([recurrent("GRU", "gru", 3, keras3, reset_after=False,
                       recurrent_activation="hard_sigmoid", stateful=keras3)], 3)
    yield "gru_reset_before", m, first_input(m, floats(2, 4, 3))
    m = seq([recurrent("LSTM", "lstm", 3, keras3, use_bias=False, activation="relu",
                       return_sequences=True)], 3)
    yield "lstm_no_bias_relu", m, first_input(m, floats(2, 4, 3))
    # unroll needs a static number of steps.
    m = seq([recurrent("SimpleRNN", "simple_rnn", 3, keras3, unroll=True, units=4,
                       return_sequences=True)], 3, shape=[None, 5, 3])
    yield "unroll_static_steps", m, first_input(m, floats(2, 5, 3))
    for merge in ("concat", "sum", "ave", "mul"):
        m = seq([masking("masking"),
                 bidirectional("LSTM", "bidirectional", 4, keras3, merge, return_sequences=True),
                 bidirectional("GRU", "bidirectional_1", 10 if merge == "concat" else 5, keras3,
                               merge)], 4)
        yield f"bidirectional_{merge}", m, first_input(m, padded(3, 5, 4))
    # Embedding with mask_zero, TimeDistributed(Dense), Activation; Keras 2
    # takes float ids (cast in the layer).
    ids = RNG.integers(1, 9, (3, 6)).astype(np.int32)
    ids[1, 4:] = 0
    ids[2, 2] = 0
    m = seq([embedding("embedding", 9, 4, True),
             recurrent("LSTM", "lstm", 4, keras3, return_sequences=True, units=5),
             dense("time_distributed", 5, 3, "tanh", time_distributed=True),
             activation_layer("activation", "sigmoid"),
             dense("dense", 3, 2)], 4, "int32" if keras3 else "float32", [None, None])
    yield "embedding_time_distributed", m, first_input(m, ids if keras3 else
                                                      ids.astype(np.float32))

    # Functional: two branches merged, an LSTM's states as outputs.
    for merge in MERGES:
        lstm = recurrent("LSTM", "lstm", 4, keras3, return_sequences=True, return_state=True,
                         units=5)
        gru = recurrent("GRU", "gru", 4, keras3, return_sequences=True, units=5)
        head = recurrent("SimpleRNN", "head", 10 if merge == "Concatenate" else 5, keras3,
                         units=3)
        m = Model([("x", [None, None, 4], "float32")],
                  [(lstm, [("x", 0)]), (gru, [("x", 0)]),
                   (merge_layer(merge, merge.lower()), [("lstm", 0), ("gru", 0)]),
                   (head, [(merge.lower(), 0)])],
                  [("head", 0), ("lstm", 1), ("lstm", 2)])
        yield f"functional_{merge.lower()}", m, {"x": floats(3, 5, 4)}
    # Initial states as inputs.
    m = Model([("x", [None, None, 3], "float32"), ("h0", [None, 4], "float32"),
               ("c0", [None, 4], "float32")],
              [(recurrent("LSTM", "lstm", 3, keras3, units=4, return_state=True),
                [("x", 0), ("h0", 0), ("c0", 0)])],
              [("lstm", 0), ("lstm", 1), ("lstm", 2)])
    yield "functional_initial_state", m, {"x": floats(2, 4, 3), "h0": floats(2, 4),
                                          "c0": floats(2, 4)}
    if not keras3:
        # time_major (Keras 2 only: Keras 3 refuses it): inputs [T, B, D].
        m = seq([recurrent("LSTM", "first", 3, keras3, units=4, return_sequences=True,
                           time_major=True),
                 recurrent("GRU", "second", 4, keras3, units=3, time_major=True)], 3)
        yield "time_major", m, first_input(m, floats(6, 2, 3))
        m = seq([masking("masking"),
                 recurrent("LSTM", "first", 3, keras3, units=4, return_sequences=True,
                           time_major=True),
                 recurrent("SimpleRNN", "second", 4, keras3, units=3, time_major=True)], 3)
        yield "time_major_masking", m, first_input(
            m, np.ascontiguousarray(padded(3, 5, 3).transpose(1, 0, 2)))
    # RNN(StackedRNNCells): plain with states, masked, and backwards.
    m = Model([("x", [None, None, 3], "float32")],
              [(stacked_rnn("rnn", 3, keras3, [("LSTM", 4), ("GRU", 3)], return_sequences=True,
                            return_state=True), [("x", 0)])],
              [("rnn", 0), ("rnn", 1), ("rnn", 2), ("rnn", 3)])
    yield "stacked_cells_states", m, {"x": floats(2, 5, 3)}
    m = seq([masking("masking"),
             stacked_rnn("rnn", 3, keras3, [("SimpleRNN", 4), ("LSTM", 3)])], 3)
    yield "stacked_cells_masking", m, first_input(m, padded(3, 5, 3))
    m = seq([stacked_rnn("rnn", 3, keras3, [("GRU", 4), ("GRU", 2)], return_sequences=True,
                         go_backwards=True)], 3)
    yield "stacked_cells_backwards", m, first_input(m, floats(2, 5, 3))
    # keras.layers.RNN(GRUCell), then Bidirectional with two outputs.
    m = Model([("x", [None, None, 3], "float32")],
              [(rnn_with_cell("GRU", "rnn", 3, keras3, units=4, return_sequences=True),
                [("x", 0)]),
               (bidirectional("SimpleRNN", "bidirectional", 4, keras3, None,
                              return_sequences=True, units=2), [("rnn", 0)])],
              [("bidirectional", 0), ("bidirectional", 1)])
    yield "functional_rnn_cell_bidirectional_none", m, {"x": floats(2, 5, 3)}


def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    cases = []
    for keras3 in (True, False):
        suffix = "keras3" if keras3 else "keras2"
        for name, model, arrays in cases_of(keras3):
            cases.append(make_case(root, f"{name}_{suffix}", keras3, model, arrays))
    with open(os.path.join(root, "cases.txt"), "w") as f:
        f.write("\n".join(cases) + "\n")


if __name__ == "__main__":
    main()
