#!/usr/bin/env python3
"""Run the ONNX models nn exported in onnxruntime, and compare with nn.

Run by tests/interop.rs (its `onnx` module, tests/interop/onnx.rs); needs
numpy, safetensors, onnx and onnxruntime (`.ci/run` installs them).

    check_onnx.py DIR
        For every DIR/NAME.onnx, with DIR/NAME_io.safetensors beside it:
        - `onnx.checker.check_model(full_check=True)`: the model is valid ONNX
          and its shapes infer;
        - the model imports opset 17 of the default domain only; its graph is
          named NAME (the io file's `network` metadata); it has one input,
          `input`, and one output, `output`, both float32 and shaped
          ["batch", ...] with the dimensions of the io file's tensors;
        - its operators include those the `operators` metadata lists (comma
          separated), and its recurrent operators are, in order, those the
          `recurrent` metadata lists as OP:DIRECTION (`LSTM:bidirectional`);
        - onnxruntime's outputs for the io file's `inputs` [37, ...] (nn's
          input values, shaped as the network declares its input), first for
          the first sample alone and then for all 37, are within 1e-5 of nn's
          `predict` for the same batches (`outputs_1` [1, ...] and
          `outputs_37` [37, ...]); with `labels` [37] in the io file (MNIST
          test images), it also counts the digits both predict alike.
        It prints the largest difference per network and batch, and exits 1
        on the first check that fails.
"""

import sys
from pathlib import Path

import numpy as np
import onnx
import onnxruntime
from safetensors import safe_open

TOLERANCE = 1e-5
OPSET = 17
BATCHES = (1, 37)


def fail(message):
    print(f"check_onnx.py: {message}", file=sys.stderr)
    sys.exit(1)


def read_io(path):
    tensors = {}
    with safe_open(str(path), framework="numpy") as io:
        metadata = io.metadata() or {}
        for key in io.keys():
            tensors[key] = io.get_tensor(key)
    return metadata, tensors


def dims(value_info):
    """A graph input's or output's element type and dimensions, the named ones as names."""
    tensor = value_info.type.tensor_type
    shape = [d.dim_param if d.HasField("dim_param") else d.dim_value for d in tensor.shape.dim]
    return tensor.elem_type, shape


def check_model(model_path, io_path):
    metadata, io = read_io(io_path)
    name = metadata.get("network")
    model = onnx.load(str(model_path))
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as error:  # the checker's errors have several types
        fail(f"{model_path.name}: onnx.checker: {error}")
    graph = model.graph
    if graph.name != name:
        fail(f"{model_path.name}: the graph is named {graph.name!r}, expected {name!r}")
    opsets = {o.domain: o.version for o in model.opset_import}
    if opsets != {"": OPSET}:
        fail(f"{model_path.name}: imports {opsets}, expected opset {OPSET} of the default domain only")
    if [i.name for i in graph.input] != ["input"] or [o.name for o in graph.output] != ["output"]:
        fail(f"{model_path.name}: inputs {[i.name for i in graph.input]}, outputs {[o.name for o in graph.output]}")
    inputs = io["inputs"]
    for value, expected in ((graph.input[0], inputs.shape[1:]), (graph.output[0], io["outputs_37"].shape[1:])):
        elem_type, shape = dims(value)
        if elem_type != onnx.TensorProto.FLOAT or shape != ["batch", *expected]:
            fail(f"{model_path.name}: `{value.name}` is {shape} of type {elem_type}, expected ['batch', {list(expected)}] float")

    operators = {node.op_type for node in graph.node}
    missing = set(filter(None, metadata.get("operators", "").split(","))) - operators
    if missing:
        fail(f"{model_path.name}: no {sorted(missing)} among its operators {sorted(operators)}")
    recurrent = [
        f"{node.op_type}:{onnx.helper.get_attribute_value(a).decode()}"
        for node in graph.node
        if node.op_type in ("LSTM", "GRU", "RNN")
        for a in node.attribute
        if a.name == "direction"
    ]
    if recurrent != list(filter(None, metadata.get("recurrent", "").split(","))):
        fail(f"{model_path.name}: recurrent operators {recurrent}, expected {metadata.get('recurrent')}")
    print(f"{name}: {len(graph.node)} operators: {', '.join(sorted(operators))}")

    session = onnxruntime.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    for batch in BATCHES:
        (got,) = session.run(["output"], {"input": inputs[:batch]})
        want = io[f"outputs_{batch}"]
        if got.shape != want.shape:
            fail(f"{name}: batch {batch}: onnxruntime gives shape {got.shape}, nn {want.shape}")
        largest = float(np.abs(got.astype(np.float64) - want).max())
        note = ""
        if "labels" in io and batch == BATCHES[-1]:
            same = int((got.argmax(axis=-1) == want.argmax(axis=-1)).sum())
            right = int((got.argmax(axis=-1) == io["labels"]).sum())
            note = f"; the same digit for {same} of {batch} MNIST test images, {right} of them right"
        print(f"{name}: batch {batch}: largest difference from nn {largest:.2e}{note}")
        if not largest <= TOLERANCE:
            fail(f"{name}: batch {batch}: onnxruntime differs from nn by {largest:.3e} (tolerance {TOLERANCE})")


def main():
    if len(sys.argv) != 2:
        fail("usage: check_onnx.py DIR")
    directory = Path(sys.argv[1])
    models = sorted(directory.glob("*.onnx"))
    if not models:
        fail(f"no .onnx files in {directory}")
    print(f"onnx {onnx.__version__}, onnxruntime {onnxruntime.__version__}")
    for model in models:
        io_path = model.with_name(model.stem + "_io.safetensors")
        if not io_path.exists():
            fail(f"{model.name} has no {io_path.name} beside it")
        check_model(model, io_path)


if __name__ == "__main__":
    main()
