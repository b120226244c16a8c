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

The image networks, on NCHW images, are (eps=1e-3 and momentum=0.01 in every BatchNorm)

    Conv = nn.Sequential(                               # input [N, 2, 9, 10]
        nn.Conv2d(2, 4, 3, padding="same"), nn.ReLU(),  # 0, 1 -> [4, 9, 10]
        nn.BatchNorm2d(4),                              # 2
        nn.MaxPool2d(2),                                # 3 -> [4, 4, 5]
        nn.Conv2d(4, 6, (2, 3), stride=2), nn.Tanh(),   # 4, 5 -> [6, 2, 2]
        nn.AvgPool2d((1, 2), stride=1),                 # 6 -> [6, 2, 1]
        nn.Flatten(),                                   # 7 -> 12, C, H, W order
        nn.Linear(12, 5), nn.ReLU(),                    # 8, 9
        nn.BatchNorm1d(5),                              # 10
        nn.Linear(5, 3), nn.Softmax(dim=1))             # 11, 12
    Global = nn.Sequential(                             # input [N, 3, 4, 4]
        nn.Conv2d(3, 2, 3), nn.ReLU(),                  # 0, 1 -> [2, 2, 2]
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),          # 2, 3 -> 2
        nn.Linear(2, 2), nn.Sigmoid())                  # 4, 5

with the tensors of CONV_SHAPES and GLOBAL_SHAPES below: Conv2d weights
[out, in, kh, kw], a BatchNorm's weight, bias, running_mean and running_var
float32 [C] and its num_batches_tracked an int64 scalar. Their forward passes are
written below in numpy from Keras' definitions (padding "same" pads
(k - 1) // 2 before and the rest after at stride 1; batch norm in evaluation,
y = weight * (x - running_mean) / sqrt(running_var + eps) + bias), without torch.
An io file for them holds float32 `conv_inputs` [N, 2*9*10] and `global_inputs`
[N, 3*4*4] (one flattened C, H, W image per row) and the outputs
`conv_outputs` [N, 3] and `global_outputs` [N, 2].

    check_weights.py read-cnn DIR
        Load DIR/rust_conv.safetensors and DIR/rust_global.safetensors (saved by
        nn) and DIR/rust_cnn_io.safetensors (nn's outputs), check the names,
        shapes, dtypes and metadata, compute both networks' outputs in numpy and
        compare within 1e-5.

    check_weights.py self-check DIR
        The same on DIR/pytorch_conv.safetensors, DIR/pytorch_global.safetensors
        and DIR/pytorch_cnn_io.safetensors (PyTorch's outputs), which
        `check_torch.py fixture DIR` writes: numpy's forward passes checked
        against PyTorch's, without nn (or torch).

The recurrent networks, on float32 rows, are (batch_first=True and one layer in
every recurrent module; Steps and Final are parameterless modules that take the
recurrent module's tuple output and return its `output` [N, T, D*U], every step,
or `torch.cat(list(h_n), dim=1)` [N, D*U], the last output of each direction)

    Seq = nn.Sequential(                                # input [N, 5, 3]
        nn.LSTM(3, 4, batch_first=True), Steps(),       # 0, 1 -> [5, 4]
        nn.GRU(4, 3, batch_first=True, bidirectional=True), Final(),  # 2, 3 -> 6
        nn.Linear(6, 2), nn.Softmax(dim=-1))            # 4, 5
    Tokens = nn.Sequential(                             # token ids [N, 6]
        nn.Embedding(7, 4),                             # 0 -> [6, 4]
        nn.RNN(4, 5, batch_first=True), Steps(),        # 1, 2 -> [6, 5]
        nn.Linear(5, 2), nn.Tanh(),                     # 3, 4, on every step -> [6, 2]
        nn.LSTM(2, 3, batch_first=True), Final(),       # 5, 6 -> 3
        nn.Linear(3, 1), nn.Sigmoid())                  # 7, 8

with the tensors of SEQ_SHAPES and TOKENS_SHAPES below, all float32: an
Embedding's `weight` [V, D]; a recurrent module's `weight_ih_l0` [G*U, F],
`weight_hh_l0` [G*U, U], `bias_ih_l0` and `bias_hh_l0` [G*U], and the same
with `_reverse` for the backward direction of a bidirectional one, where G is 4
for an LSTM (gates i, f, g, o), 3 for a GRU (r, z, n) and 1 for a tanh RNN.
Their forward passes are written below in numpy from PyTorch's equations, with
zero initial states (GRU: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),
h = (1 - z) * n + z * h_prev); a bidirectional module's output at step t is
[forward(t), backward(t)] and its final outputs [forward at T-1, backward at 0].
An io file for them holds float32 `seq_inputs` [N, 5*3] (one flattened T, F
sequence per row), `tokens_inputs` [N, 6] (token ids, whole numbers in 0..7)
and the outputs `seq_outputs` [N, 2] and `tokens_outputs` [N, 1].

    check_weights.py read-rnn DIR
        Load DIR/rust_seq.safetensors and DIR/rust_tokens.safetensors (saved by
        nn) and DIR/rust_rnn_io.safetensors (nn's outputs), check the names,
        shapes, dtypes and metadata, compute both networks' outputs in numpy and
        compare within 1e-5.

    check_weights.py self-rnn DIR
        The same on DIR/pytorch_seq.safetensors, DIR/pytorch_tokens.safetensors
        and DIR/pytorch_rnn_io.safetensors (PyTorch's outputs), which
        `check_torch.py fixture-rnn DIR` writes.

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


def batch_norm_shapes(index, channels):
    """A BatchNorm's tensors: four [C] float32 vectors and an int64 scalar."""
    shapes = {f"{index}.{name}": (channels,) for name in ("weight", "bias", "running_mean", "running_var")}
    shapes[f"{index}.num_batches_tracked"] = ()
    return shapes


CONV_SHAPES = {
    "0.weight": (4, 2, 3, 3), "0.bias": (4,),
    **batch_norm_shapes(2, 4),
    "4.weight": (6, 4, 2, 3), "4.bias": (6,),
    "8.weight": (5, 12), "8.bias": (5,),
    **batch_norm_shapes(10, 5),
    "11.weight": (3, 5), "11.bias": (3,),
}
GLOBAL_SHAPES = {"0.weight": (2, 3, 3, 3), "0.bias": (2,), "4.weight": (2, 2), "4.bias": (2,)}
BATCH_NORM_EPS = 1e-3


def expected_dtype(name):
    return np.int64 if name.endswith(".num_batches_tracked") else np.float32


def load_checked(path, shapes, summary):
    """The tensors of `path`, failing unless they are exactly `shapes` (with their
    dtypes) and the metadata says format "pt" (and, if `summary`, has a summary)."""
    params = load_file(path)
    if set(params) != set(shapes):
        fail(f"{path}: tensors {sorted(params)}, expected {sorted(shapes)}")
    for name, shape in shapes.items():
        dtype = np.dtype(expected_dtype(name))
        if params[name].shape != shape or params[name].dtype != dtype:
            fail(f"{path}: `{name}` is {params[name].dtype} {params[name].shape}, expected {dtype} {shape}")
    with safe_open(path, framework="np") as f:
        metadata = f.metadata() or {}
    if metadata.get("format") != "pt":
        fail(f"{path}: metadata format is {metadata.get('format')!r}, expected 'pt'")
    if summary and not metadata.get("summary", "").startswith("Network: "):
        fail(f"{path}: metadata summary is {metadata.get('summary')!r}")
    return params


def same_padding(size, kernel, stride):
    """Keras' "same" padding of one axis: (before, after), the smaller half before."""
    total = max(0, (-(-size // stride) - 1) * stride + kernel - size)
    return total // 2, total - total // 2


def windows(x, kernel, stride):
    """For each offset (i, j) in the kernel, the [N, C, out_h, out_w] values of x
    at that offset of every window (windows inside x, no padding)."""
    (kh, kw), (sh, sw) = kernel, stride
    out_h, out_w = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    return {
        (i, j): x[:, :, i : i + sh * (out_h - 1) + 1 : sh, j : j + sw * (out_w - 1) + 1 : sw]
        for i in range(kh)
        for j in range(kw)
    }


def conv2d(x, weight, bias, stride, padding):
    """Conv2d with weight [out, in, kh, kw] on [N, in, H, W]; padding "valid" or "same"."""
    kernel = weight.shape[2:]
    if padding == "same":
        pads = [same_padding(x.shape[axis + 2], kernel[axis], stride[axis]) for axis in (0, 1)]
        x = np.pad(x, [(0, 0), (0, 0), *pads])
    return sum(
        np.einsum("nchw,oc->nohw", values, weight[:, :, i, j]) for (i, j), values in windows(x, kernel, stride).items()
    ) + bias.reshape(1, -1, 1, 1)


def max_pool(x, kernel, stride):
    return np.max(np.stack(list(windows(x, kernel, stride).values())), axis=0)


def avg_pool(x, kernel, stride):
    return np.mean(np.stack(list(windows(x, kernel, stride).values())), axis=0)


def batch_norm(x, p, index):
    """Batch norm in evaluation over axis 1 of [N, C] or [N, C, H, W]."""
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mean, var, weight, bias = (
        p[f"{index}.{name}"].reshape(shape) for name in ("running_mean", "running_var", "weight", "bias")
    )
    return weight * (x - mean) / np.sqrt(var + BATCH_NORM_EPS) + bias


def linear(x, p, index):
    return x @ p[f"{index}.weight"].T + p[f"{index}.bias"]


def relu(x):
    return np.maximum(x, 0.0)


def softmax(x):
    exp = np.exp(x - x.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def conv_forward(params, images):
    """The Conv Sequential in float64 on [N, 2, 9, 10] images."""
    p = {name: value.astype(np.float64) for name, value in params.items()}
    x = relu(conv2d(images.astype(np.float64), p["0.weight"], p["0.bias"], (1, 1), "same"))
    x = batch_norm(x, p, 2)
    x = max_pool(x, (2, 2), (2, 2))
    x = np.tanh(conv2d(x, p["4.weight"], p["4.bias"], (2, 2), "valid"))
    x = avg_pool(x, (1, 2), (1, 1))
    x = x.reshape(len(x), -1)
    x = relu(linear(x, p, 8))
    x = batch_norm(x, p, 10)
    return softmax(linear(x, p, 11))


def global_forward(params, images):
    """The Global Sequential in float64 on [N, 3, 4, 4] images."""
    p = {name: value.astype(np.float64) for name, value in params.items()}
    x = relu(conv2d(images.astype(np.float64), p["0.weight"], p["0.bias"], (1, 1), "valid"))
    x = x.mean(axis=(2, 3))
    return 1.0 / (1.0 + np.exp(-linear(x, p, 4)))


# Per network: its tensors, input image shape [C, H, W], output width and forward pass.
CNNS = {
    "conv": (CONV_SHAPES, (2, 9, 10), 3, conv_forward),
    "global": (GLOBAL_SHAPES, (3, 4, 4), 2, global_forward),
}


def sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


# Gates per unit of each kind of recurrent module, in PyTorch's order: an LSTM's
# i, f, g, o, a GRU's r, z, n, and a (tanh) RNN's one.
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def recurrent_shapes(index, kind, features, units, bidirectional=False):
    """A recurrent module's tensors (`_reverse` ones for the backward direction)."""
    rows = GATES[kind] * units
    shapes = {}
    for suffix in ("", "_reverse") if bidirectional else ("",):
        shapes[f"{index}.weight_ih_l0{suffix}"] = (rows, features)
        shapes[f"{index}.weight_hh_l0{suffix}"] = (rows, units)
        shapes[f"{index}.bias_ih_l0{suffix}"] = (rows,)
        shapes[f"{index}.bias_hh_l0{suffix}"] = (rows,)
    return shapes


SEQ_SHAPES = {
    **recurrent_shapes(0, "lstm", 3, 4),
    **recurrent_shapes(2, "gru", 4, 3, bidirectional=True),
    "4.weight": (2, 6), "4.bias": (2,),
}
TOKENS_SHAPES = {
    "0.weight": (7, 4),
    **recurrent_shapes(1, "rnn", 4, 5),
    "3.weight": (2, 5), "3.bias": (2,),
    **recurrent_shapes(5, "lstm", 2, 3),
    "7.weight": (1, 3), "7.bias": (1,),
}


def cell(kind, x, state, w_ih, w_hh, b_ih, b_hh):
    """One step of a recurrent cell on x [N, F]: the new state, (h,) or an LSTM's (h, c)."""
    projected = x @ w_ih.T + b_ih
    recurrent_part = state[0] @ w_hh.T + b_hh
    if kind == "rnn":
        return (np.tanh(projected + recurrent_part),)
    if kind == "lstm":
        i, f, g, o = np.split(projected + recurrent_part, 4, axis=1)
        c = sigmoid(f) * state[1] + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c), c
    # GRU: the reset gate scales the recurrent projection of n, its bias included.
    x_r, x_z, x_n = np.split(projected, 3, axis=1)
    h_r, h_z, h_n = np.split(recurrent_part, 3, axis=1)
    r, z = sigmoid(x_r + h_r), sigmoid(x_z + h_z)
    n = np.tanh(x_n + r * h_n)
    return ((1.0 - z) * n + z * state[0],)


def recurrent(x, p, index, kind):
    """A recurrent module (bidirectional if it has `_reverse` tensors) on x [N, T, F],
    from zero states: every step's output [N, T, D*U], [forward(t), backward(t)] at
    step t, and the final outputs [N, D*U], [forward at T-1, backward at 0]."""
    samples, steps = x.shape[:2]
    suffixes = ("", "_reverse") if f"{index}.weight_ih_l0_reverse" in p else ("",)
    outputs, finals = [], []
    for suffix in suffixes:
        weights = [p[f"{index}.{name}_l0{suffix}"] for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        units = weights[1].shape[1]
        zeros = np.zeros((samples, units))
        state = (zeros, zeros) if kind == "lstm" else (zeros,)
        output = np.empty((samples, steps, units))
        for t in range(steps) if suffix == "" else reversed(range(steps)):
            state = cell(kind, x[:, t], state, *weights)
            output[:, t] = state[0]
        outputs.append(output)
        finals.append(state[0])
    return np.concatenate(outputs, axis=2), np.concatenate(finals, axis=1)


def embedding(ids, p, index):
    """Embedding of float32 token ids [N, T], which must be whole numbers in 0..V."""
    table = p[f"{index}.weight"]
    whole = ids.astype(np.int64)
    if not (np.array_equal(whole, ids) and whole.min() >= 0 and whole.max() < len(table)):
        fail(f"token ids are not whole numbers in 0..{len(table)}: {np.unique(ids)}")
    return table[whole]


def seq_forward(params, inputs):
    """The Seq Sequential in float64 on [N, 5, 3] sequences."""
    p = {name: value.astype(np.float64) for name, value in params.items()}
    steps, _ = recurrent(inputs.astype(np.float64), p, 0, "lstm")
    _, final = recurrent(steps, p, 2, "gru")
    return softmax(linear(final, p, 4))


def tokens_forward(params, ids):
    """The Tokens Sequential in float64 on [N, 6] token ids."""
    p = {name: value.astype(np.float64) for name, value in params.items()}
    steps, _ = recurrent(embedding(ids, p, 0), p, 1, "rnn")
    steps = np.tanh(linear(steps, p, 3))
    _, final = recurrent(steps, p, 5, "lstm")
    return sigmoid(linear(final, p, 7))


# Per network: its tensors, input shape per sample, output width and forward pass.
RNNS = {
    "seq": (SEQ_SHAPES, (5, 3), 2, seq_forward),
    "tokens": (TOKENS_SHAPES, (6,), 1, tokens_forward),
}


def io_pair(io, io_path, network, shape, width):
    """The `{network}_inputs` reshaped to [N, *shape] and the `{network}_outputs` [N, width]."""
    inputs, outputs = io.get(f"{network}_inputs"), io.get(f"{network}_outputs")
    if inputs is None or outputs is None:
        fail(f"{io_path}: no `{network}_inputs` or `{network}_outputs` among {sorted(io)}")
    samples = inputs.shape[0] if inputs.ndim else 0
    expected = [("inputs", inputs, (samples, int(np.prod(shape)))), ("outputs", outputs, (samples, width))]
    for name, value, expected_shape in expected:
        if value.shape != expected_shape or value.dtype != np.float32:
            fail(f"{io_path}: `{network}_{name}` is {value.dtype} {value.shape}, expected float32 {expected_shape}")
    return inputs.reshape(samples, *shape), outputs


def check_networks(directory, prefix, source, networks, kind):
    """Compare numpy's outputs of the `networks` saved as DIR/{prefix}_{network}.safetensors
    with the outputs `source` wrote in DIR/{prefix}_{kind}_io.safetensors."""
    io_path = f"{directory}/{prefix}_{kind}_io.safetensors"
    io = load_file(io_path)
    for network, (shapes, shape, width, forward_pass) in networks.items():
        params = load_checked(f"{directory}/{prefix}_{network}.safetensors", shapes, summary=prefix == "rust")
        inputs, outputs = io_pair(io, io_path, network, shape, width)
        expected = forward_pass(params, inputs)
        difference = np.abs(expected - outputs.astype(np.float64)).max()
        if not difference <= TOLERANCE:
            fail(f"{network}: numpy's outputs differ from {source}'s by up to {difference:.3g} (tolerance {TOLERANCE})")
        print(f"{network}: numpy agrees with {source} on {len(expected)} samples: largest difference {difference:.3g}")


def read_cnn(directory):
    check_networks(directory, "rust", "nn", CNNS, "cnn")


def self_check(directory):
    check_networks(directory, "pytorch", "PyTorch", CNNS, "cnn")


def read_rnn(directory):
    check_networks(directory, "rust", "nn", RNNS, "rnn")


def self_rnn(directory):
    check_networks(directory, "pytorch", "PyTorch", RNNS, "rnn")


MODES = {
    "read": read,
    "write": write,
    "read-cnn": read_cnn,
    "self-check": self_check,
    "read-rnn": read_rnn,
    "self-rnn": self_rnn,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        fail(f"usage: check_weights.py {'|'.join(MODES)} DIR")
    MODES[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
