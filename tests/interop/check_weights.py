#!/usr/bin/env python3
"""Cross-check nn's weight files with numpy and the `safetensors` package.

Run by tests/interop.rs; needs numpy and safetensors (`.ci/run` installs them).
The network is the README's MNIST MLP, which in PyTorch is

    nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10), nn.Softmax(dim=1))

with parameters `0.weight` [128, 784], `0.bias` [128], `2.weight` [10, 128],
`2.bias` [10]. The forward pass below is that Sequential's, written in numpy.

    check_weights.py read DIR
        Load DIR/rust_weights.safetensors (saved by nn) and DIR/rust_io.safetensors
        (`inputs` [N, 784] and nn's `outputs` [N, 10]), check the names, shapes,
        dtype and metadata, compute the outputs in numpy and compare within 1e-5.

    check_weights.py write DIR
        Write random weights as DIR/python_weights_{f32,f16,f64}.safetensors and
        DIR/python_io.safetensors holding `inputs` [N, 784] and, for each file,
        numpy's `outputs_{f32,f16,f64}` [N, 10], for nn to load and compare.

Exits with status 1 and a message on the first disagreement.
"""

import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

SHAPES = {"0.weight": (128, 784), "0.bias": (128,), "2.weight": (10, 128), "2.bias": (10,)}
TOLERANCE = 1e-5


def fail(message):
    print(f"check_weights.py: {message}", file=sys.stderr)
    sys.exit(1)


def forward(params, inputs):
    """Sequential(Linear, ReLU, Linear, Softmax(dim=1)) in float64, one sample per row."""
    p = {name: value.astype(np.float64) for name, value in params.items()}
    x = inputs.astype(np.float64)
    hidden = np.maximum(x @ p["0.weight"].T + p["0.bias"], 0.0)
    logits = hidden @ p["2.weight"].T + p["2.bias"]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def read(directory):
    weights_path = f"{directory}/rust_weights.safetensors"
    params = load_file(weights_path)
    if set(params) != set(SHAPES):
        fail(f"{weights_path}: tensors {sorted(params)}, expected {sorted(SHAPES)}")
    for name, shape in SHAPES.items():
        if params[name].shape != shape or params[name].dtype != np.float32:
            fail(f"{weights_path}: `{name}` is {params[name].dtype} {params[name].shape}, expected float32 {shape}")
    with safe_open(weights_path, framework="np") as f:
        metadata = f.metadata() or {}
    if metadata.get("format") != "pt":
        fail(f"{weights_path}: metadata format is {metadata.get('format')!r}, expected 'pt'")
    if not metadata.get("summary", "").startswith("Network: Mnist\n"):
        fail(f"{weights_path}: metadata summary is {metadata.get('summary')!r}")

    io = load_file(f"{directory}/rust_io.safetensors")
    expected = forward(params, io["inputs"])
    difference = np.abs(expected - io["outputs"].astype(np.float64)).max()
    if not difference <= TOLERANCE:
        fail(f"numpy's outputs differ from nn's by up to {difference:.3g} (tolerance {TOLERANCE})")
    print(f"numpy agrees with nn on {len(expected)} samples: largest difference {difference:.3g}")


def write(directory):
    rng = np.random.default_rng(20240607)
    params = {}
    for name, shape in SHAPES.items():
        fan_in = {"0": 784, "2": 128}[name[0]]
        bound = np.sqrt(6.0 / fan_in)
        params[name] = rng.uniform(-bound, bound, size=shape)
    inputs = rng.uniform(0.0, 1.0, size=(24, 784)).astype(np.float32)
    io = {"inputs": inputs}
    # f32 and f64 say their layout in the metadata; f16 has none, as many tools write.
    for label, dtype, metadata in [
        ("f32", np.float32, {"format": "pt"}),
        ("f16", np.float16, None),
        ("f64", np.float64, {"format": "pt"}),
    ]:
        stored = {name: value.astype(dtype) for name, value in params.items()}
        save_file(stored, f"{directory}/python_weights_{label}.safetensors", metadata=metadata)
        io[f"outputs_{label}"] = forward(stored, inputs)
    save_file(io, f"{directory}/python_io.safetensors")
    print(f"wrote f32, f16 and f64 weights and numpy's outputs for {len(inputs)} samples")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("read", "write"):
        fail("usage: check_weights.py read|write DIR")
    {"read": read, "write": write}[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
