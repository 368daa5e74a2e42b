"""The on-disk layout shared by the case generators and run_cases.py:
DIR/cases.txt lists the cases; DIR/<case>/model.onnx, inputs/<name>.npy and
expected/<name>.npy hold each one."""
import os

import onnx


def new_case(root, name):
    """Creates DIR/<name>/{inputs,expected} and returns DIR/<name>."""
    d = os.path.join(root, name)
    os.makedirs(os.path.join(d, "inputs"), exist_ok=True)
    os.makedirs(os.path.join(d, "expected"), exist_ok=True)
    return d


def save_model(d, model):
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(d, "model.onnx"))


def write_case_list(root, names):
    with open(os.path.join(root, "cases.txt"), "w") as f:
        f.write("\n".join(names) + "\n")
