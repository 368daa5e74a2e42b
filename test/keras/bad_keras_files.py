#!/usr/bin/env python3
"""bad_keras_files.py DIR: Keras model files that rnnc must refuse with a named
error (errors.test), built from keras_cases.py's valid layouts."""
import json
import os
import sys
import zipfile

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import keras_cases as kc  # noqa: E402


def sequential(layers, features, keras3=True):
    name = "input_layer" if keras3 else layers[0].name + "_input"
    model = kc.sequential(name, [None, None, features], layers)
    model.run({name: kc.floats(1, 2, features).astype(np.float64)})
    return model


def rewrite_zip(source, target, replace):
    """Copies a .keras zip, with members replaced (None: dropped)."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        for name in src.namelist():
            data = replace.get(name, src.read(name))
            if data is not None:
                dst.writestr(name, data)


def main():
    root = sys.argv[1]
    os.makedirs(root, exist_ok=True)
    good = os.path.join(root, "good.keras")
    kc.write_keras3(good, sequential([kc.recurrent("LSTM", "lstm", 4, True)], 4))
    with open(good, "rb") as f:
        data = f.read()
    with open(os.path.join(root, "truncated.keras"), "wb") as f:
        f.write(data[: len(data) // 2])
    with zipfile.ZipFile(good) as z:
        config = json.loads(z.read("config.json"))
        weights = z.read("model.weights.h5")
    rewrite_zip(good, os.path.join(root, "no_weights.keras"), {"model.weights.h5": None})
    rewrite_zip(good, os.path.join(root, "not_json.keras"), {"config.json": b"{\"class_name\": "})
    rewrite_zip(good, os.path.join(root, "deep.keras"), {"config.json": b"[" * 100000})
    rewrite_zip(good, os.path.join(root, "truncated_weights.keras"),
                {"model.weights.h5": weights[: len(weights) // 2]})

    # A kernel of the wrong shape.
    path = os.path.join(root, "weights.h5")
    with open(path, "wb") as f:
        f.write(weights)
    with h5py.File(path, "a") as f:
        del f["layers/lstm/cell/vars/0"]
        f["layers/lstm/cell/vars/0"] = np.zeros((3, 20), np.float32)
    with open(path, "rb") as f:
        rewrite_zip(good, os.path.join(root, "wrong_shape.keras"), {"model.weights.h5": f.read()})

    # An external link: reading it would open another file.
    with open(path, "wb") as f:
        f.write(weights)
    with h5py.File(path, "a") as f:
        f["layers/lstm/cell/elsewhere"] = h5py.ExternalLink("/etc/passwd", "/")
    with open(path, "rb") as f:
        rewrite_zip(good, os.path.join(root, "external.keras"), {"model.weights.h5": f.read()})
    os.remove(path)

    # Layers and options rnnc does not run, all named at once.
    entries = config["config"]["layers"]
    entries[1]["config"]["recurrent_activation"] = "swish"
    entries.append({"module": "keras.layers", "class_name": "Conv1D",
                    "config": {"name": "conv1d", "filters": 2, "kernel_size": 3}})
    entries[1]["config"]["activation"] = "selu"
    rewrite_zip(good, os.path.join(root, "unsupported.keras"),
                {"config.json": json.dumps(config).encode()})

    # Keras 2 files: no model_config (weights only); a layer without weights.
    with h5py.File(os.path.join(root, "weights_only.h5"), "w") as f:
        f.attrs["layer_names"] = [b"lstm"]
    legacy = os.path.join(root, "missing_layer.h5")
    kc.write_keras2(legacy, sequential([kc.recurrent("LSTM", "lstm", 4, False)], 4, False))
    with h5py.File(legacy, "a") as f:
        del f["model_weights/lstm"]

    # A dataset weight_names lists but the file lacks.
    lacking = os.path.join(root, "missing_dataset.h5")
    kc.write_keras2(lacking, sequential([kc.recurrent("LSTM", "lstm", 4, False)], 4, False))
    with h5py.File(lacking, "a") as f:
        del f["model_weights/lstm/lstm/lstm_cell/recurrent_kernel:0"]

    # h5py keeps model_config in a global heap; its reference claims fewer
    # bytes than the heap object holds (HDF5 would copy past its buffer).
    short = os.path.join(root, "short_string.h5")
    kc.write_keras2(short, sequential([kc.recurrent("LSTM", "lstm", 4, False)], 4, False))
    with open(short, "rb") as f:
        data = bytearray(f.read())
    collection = data.find(b"GCOL")
    p = collection + 16
    for _ in range(64):  # the heap's objects, until model_config's
        index = int.from_bytes(data[p:p + 2], "little")
        size = int.from_bytes(data[p + 8:p + 16], "little")
        if data[p + 16:].startswith(b'{"class_name"'):
            break
        p += 16 + (size + 7) // 8 * 8
    else:
        raise RuntimeError("no model_config in the global heap")
    reference = collection.to_bytes(8, "little") + index.to_bytes(4, "little")
    at = data.find(reference)
    missing = bytearray(data)
    data[at - 4:at] = (size - 10).to_bytes(4, "little")
    with open(short, "wb") as f:
        f.write(data)
    # The reference names an object its heap lacks (HDF5 1.10 reads past its
    # table of objects: a SEGV at a wild address in rnnc-fuzz-keras).
    missing[at + 8:at + 12] = (999).to_bytes(4, "little")
    with open(os.path.join(root, "missing_heap_object.h5"), "wb") as f:
        f.write(missing)

    # A 1.5 MB file that unpacks to more than a 2 MiB memory limit.
    big = kc.recurrent("LSTM", "lstm", 4, True, units=300)
    kc.write_keras3(os.path.join(root, "big.keras"), sequential([big], 4))


if __name__ == "__main__":
    main()
