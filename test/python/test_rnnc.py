"""`import rnnc` (tools/python/RnncModule.cpp, docs/python.md): models loaded from
.onnx, .keras, .h5 and .mlir files run on numpy arrays and agree with PyTorch and
the numpy Keras reference of test/keras/keras_cases.py; errors are Python
exceptions carrying rnnc's message; a streaming session equals one call;
threads share a model; rnnc.compile writes an object file and its header."""
import os
import threading

import numpy as np
import pytest
import torch

import keras_cases
import rnnc

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def lstm_onnx(tmp_path_factory):
    """A PyTorch LSTM exported to ONNX, with PyTorch's output on x."""
    torch.manual_seed(5)
    lstm = torch.nn.LSTM(4, 6, batch_first=True)
    x = torch.rand(3, 7, 4) * 2 - 1
    path = str(tmp_path_factory.mktemp("onnx") / "lstm.onnx")
    torch.onnx.export(lstm, (x,), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 1: "steps"}, "y": {0: "batch", 1: "steps"}},
                      opset_version=14)
    with torch.no_grad():
        y, _ = lstm(x)
    return path, x.numpy(), y.numpy()


@pytest.fixture(scope="module")
def keras_lstm(tmp_path_factory):
    """A Keras 3 LSTM (return_sequences=False) as .keras and .h5, and a
    reference function of x."""
    directory = tmp_path_factory.mktemp("keras")
    paths = {}
    for keras3 in (True, False):
        layer = keras_cases.recurrent("LSTM", "lstm", 3, keras3, units=5)
        name = "x" if keras3 else "lstm_input"
        model = keras_cases.sequential(name, [None, None, 3], [layer])
        model.run({name: np.zeros((1, 1, 3))})
        path = str(directory / ("model.keras" if keras3 else "model.h5"))
        (keras_cases.write_keras3 if keras3 else keras_cases.write_keras2)(path, model)
        paths[keras3] = (path, name, model)
    return paths


def test_onnx_lstm_matches_torch(lstm_onnx):
    path, x, want = lstm_onnx
    model = rnnc.load(path)
    assert [i.name for i in model.inputs][0] == "x"
    assert model.inputs[0].shape[2] == 4 and isinstance(model.inputs[0].shape[0], str)
    assert model.inputs[0].dtype == np.float32
    got = model(x=x)["y"]
    # ONNX's Y is [T, dirs, B, H]; PyTorch's export reshapes it back.
    np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-4, atol=1e-5)
    # The same through run() with a dict, and a non-contiguous input copied.
    strided = np.asfortranarray(x)
    np.testing.assert_allclose(model.run({"x": strided})["y"], got, rtol=0, atol=0)


@pytest.mark.parametrize("keras3", [True, False])
def test_keras_files_match_reference(keras_lstm, keras3):
    path, name, model = keras_lstm[keras3]
    x = np.random.default_rng(1).uniform(-1, 1, (2, 6, 3)).astype(np.float32)
    want = model.run({name: x.astype(np.float64)})["lstm"]
    compiled = rnnc.load(path, threads=1)
    got = compiled(**{name: x})["lstm"]
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    roles = {i.name: i.role for i in compiled.inputs}
    assert roles[name] == "data" and "state" in roles.values()


def test_mlir_model_runs_with_batch_option():
    model = rnnc.load(os.path.join(SOURCE, "examples", "lstm", "model.mlir"), batch=2)
    first = model.inputs[0]
    x = np.ones([2 if isinstance(s, str) and s == "B" else (5 if isinstance(s, str) else s)
                 for s in first.shape], np.float32)
    outputs = model(**{first.name: x})
    assert outputs and all(np.isfinite(v).all() for v in outputs.values())


def test_errors_are_python_exceptions(lstm_onnx, tmp_path):
    path, x, _ = lstm_onnx
    model = rnnc.load(path)
    with pytest.raises(TypeError, match="dtype float64"):
        model(x=x.astype(np.float64))
    with pytest.raises(ValueError, match="rank 2"):
        model(x=x[0])
    with pytest.raises(TypeError, match="input 'x' is missing"):
        model.run({})
    with pytest.raises(TypeError, match="no input 'z'"):
        model(x=x, z=x)
    with pytest.raises(ValueError, match="features|dimension|size"):
        model(x=np.zeros((3, 7, 5), np.float32))
    with pytest.raises(RuntimeError, match="no-such-model.onnx"):
        rnnc.load(str(tmp_path / "no-such-model.onnx"))
    hostile = os.path.join(SOURCE, "test", "e2e", "Inputs", "untrusted", "system-call.mlir")
    with pytest.raises(RuntimeError, match="'llvm.mlir.global' is not allowed in a model file"):
        rnnc.load(hostile)


def test_session_streams_like_one_call(keras_lstm):
    path, name, _ = keras_lstm[True]
    model = rnnc.load(path)
    x = np.random.default_rng(2).uniform(-1, 1, (2, 8, 3)).astype(np.float32)
    whole = model(**{name: x})["lstm"]
    session = model.session(batch=2)
    assert session.batch == 2
    session(**{name: x[:, :5]})
    streamed = session(**{name: x[:, 5:]})["lstm"]
    np.testing.assert_allclose(streamed, whole, rtol=1e-5, atol=1e-6)
    # Reset row 0 only: it starts over, row 1 goes on.
    session.reset(rows=np.array([True, False]))
    again = session(**{name: x[:, :5]})["lstm"]
    fresh = model(**{name: x[:, :5]})["lstm"]
    np.testing.assert_allclose(again[0], fresh[0], rtol=1e-5, atol=1e-6)
    assert not np.allclose(again[1], fresh[1])
    with pytest.raises(ValueError):
        session.reset(rows=np.array([True]))


def test_threads_share_a_model(lstm_onnx):
    path, x, _ = lstm_onnx
    model = rnnc.load(path, threads=1)
    want = model(x=x)["y"]
    results, errors = [None] * 8, []

    def work(i):
        try:
            results[i] = model(x=x)["y"]
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for result in results:
        np.testing.assert_array_equal(result, want)


def test_compile_writes_object_and_header(lstm_onnx, tmp_path):
    path, _, _ = lstm_onnx
    output, header = str(tmp_path / "kws.o"), str(tmp_path / "kws.h")
    rnnc.compile(path, output=output, header=header, name="kws", cpu="x86-64-v3")
    with open(output, "rb") as f:
        assert f.read(4) == b"\x7fELF"
    with open(header) as f:
        assert "kws_model" in f.read()
    with pytest.raises(ValueError, match="target"):
        rnnc.compile(path, output=output, target="gpu")
    with pytest.raises(ValueError, match="same file"):
        rnnc.compile(path, output=output, header=output)
    with pytest.raises(RuntimeError, match="unknown|CPU|cpu"):
        rnnc.compile(path, output=str(tmp_path / "x.o"), cpu="no-such-cpu")
    assert not os.path.exists(tmp_path / "x.o")


def test_bf16_weights_stay_close(lstm_onnx, tmp_path):
    """precision="bf16" (docs/precision.md): the weights stored as bf16, the
    outputs within 2e-2 of PyTorch's and not the f32 model's; compile's header
    says so; other precisions are refused."""
    path, x, want = lstm_onnx
    got = rnnc.load(path, precision="bf16")(x=x)["y"].reshape(want.shape)
    np.testing.assert_allclose(got, want, rtol=0, atol=2e-2)
    assert not np.array_equal(got, rnnc.load(path)(x=x)["y"].reshape(want.shape))
    header = str(tmp_path / "bf16.h")
    rnnc.compile(path, output=str(tmp_path / "bf16.o"), header=header, precision="bf16")
    with open(header) as f:
        assert "Weight precision bf16" in f.read()
    with pytest.raises(RuntimeError, match="precision must be f32, bf16 or int8"):
        rnnc.load(path, precision="int4")
