#!/usr/bin/env python3
"""Cross-check nn's image and recurrent networks with PyTorch itself (a development check).

Needs torch, numpy and safetensors; tests/interop.rs runs it only where torch
imports, so CI (which has no torch) relies on check_weights.py's numpy forward
passes, which `check_weights.py self-check` and `self-rnn` prove against the
fixtures below. The networks are check_weights.py's Conv and Global, and Seq
and Tokens, built here as `torch.nn.Sequential`s (BatchNorm with eps=1e-3 and
momentum=0.01, Keras' defaults; recurrent modules with batch_first=True, each
followed by a parameterless Steps or Final); outputs are computed in float64
from the float32 weights.

    check_torch.py load DIR
        Load DIR/rust_conv.safetensors and DIR/rust_global.safetensors (saved by
        nn) with `load_state_dict(..., strict=True)`, run the inputs of
        DIR/rust_cnn_io.safetensors in eval mode and compare with nn's outputs
        within 1e-5.

    check_torch.py fixture DIR
        Build both networks with seed 2026, move their BatchNorm state by
        training-mode passes on random batches, and save their state dicts as
        DIR/pytorch_conv.safetensors and DIR/pytorch_global.safetensors, and
        DIR/pytorch_cnn_io.safetensors holding 8 random `conv_inputs` [8, 2*9*10]
        and `global_inputs` [8, 3*4*4] (one flattened C, H, W image per row) with
        PyTorch's eval-mode `conv_outputs` [8, 3] and `global_outputs` [8, 2], all
        float32. tests/interop/ keeps these three files as fixtures.

    check_torch.py load-rnn DIR
        The same as `load` for DIR/rust_seq.safetensors and
        DIR/rust_tokens.safetensors with the inputs and nn's outputs of
        DIR/rust_rnn_io.safetensors (token ids, float32 whole numbers, are cast
        to int64 for the Embedding).

    check_torch.py load-blocks DIR
        The same as `load` for DIR/rust_blocks.safetensors (interop.rs's Blocks:
        residual, repeat, add and concat blocks, as modules whose forward is
        `x + self.body(x)`, a sum or a `torch.cat` over `self.branches`) with
        DIR/rust_blocks_io.safetensors.

    check_torch.py fixture-blocks DIR
        Build Blocks with seed 2026, move its BatchNorm state as `fixture` does,
        and save DIR/pytorch_blocks.safetensors and
        DIR/pytorch_blocks_io.safetensors (8 `blocks_inputs` [8, 2*6*6] and
        PyTorch's `blocks_outputs` [8, 3]). tests/interop/ keeps both files.

    check_torch.py fixture-rnn DIR
        Build both recurrent networks with seed 2026 (PyTorch's initialisation,
        whose recurrent and Linear biases are random, not zero) and save their
        state dicts as DIR/pytorch_seq.safetensors and
        DIR/pytorch_tokens.safetensors, and DIR/pytorch_rnn_io.safetensors
        holding 8 normal random `seq_inputs` [8, 5*3] (one flattened T, F
        sequence per row) and 8 rows of random token ids `tokens_inputs` [8, 6]
        (whole numbers in 0..7) with PyTorch's `seq_outputs` [8, 2] and
        `tokens_outputs` [8, 1], all float32. tests/interop/ keeps these three
        files as fixtures.

Exits with status 1 and a message on the first disagreement.
"""

import copy
import sys

import torch
from safetensors.torch import load_file, save_file
from torch import nn

TOLERANCE = 1e-5
SEED = 2026
SAMPLES = 8
# Training-mode batches that move the BatchNorm state: with momentum 0.01 each
# moves the running statistics 1% of the way to the batch's.
TRAINING_BATCHES, TRAINING_BATCH_SIZE = 200, 16


def fail(message):
    print(f"check_torch.py: {message}", file=sys.stderr)
    sys.exit(1)


def conv_network():
    """Input [N, 2, 9, 10], output [N, 3]."""
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding="same"), nn.ReLU(),  # -> [4, 9, 10]
        nn.BatchNorm2d(4, eps=1e-3, momentum=0.01),
        nn.MaxPool2d(2),  # -> [4, 4, 5]
        nn.Conv2d(4, 6, (2, 3), stride=2), nn.Tanh(),  # -> [6, 2, 2]
        nn.AvgPool2d((1, 2), stride=1),  # -> [6, 2, 1]
        nn.Flatten(),  # -> 12
        nn.Linear(12, 5), nn.ReLU(),
        nn.BatchNorm1d(5, eps=1e-3, momentum=0.01),
        nn.Linear(5, 3), nn.Softmax(dim=1),
    )  # fmt: skip


def global_network():
    """Input [N, 3, 4, 4], output [N, 2]."""
    return nn.Sequential(
        nn.Conv2d(3, 2, 3), nn.ReLU(),  # -> [2, 2, 2]
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # -> 2
        nn.Linear(2, 2), nn.Sigmoid(),
    )  # fmt: skip


# Per network: how to build it, its input image shape [C, H, W], output width,
# and whether its inputs are token ids (as RNN_NETWORKS below).
NETWORKS = {"conv": (conv_network, (2, 9, 10), 3, False), "global": (global_network, (3, 4, 4), 2, False)}


class Steps(nn.Module):
    """After a recurrent module: its output at every step, [N, T, D*U]."""

    def forward(self, result):
        return result[0]


class Final(nn.Module):
    """After a one-layer recurrent module: the last output of each direction,
    [N, D*U] (forward at T-1, backward at 0); an LSTM's h_n is its state's first."""

    def forward(self, result):
        state = result[1]
        h_n = state[0] if isinstance(state, tuple) else state
        return torch.cat(list(h_n), dim=1)


def seq_network():
    """Input [N, 5, 3], output [N, 2]."""
    return nn.Sequential(
        nn.LSTM(3, 4, batch_first=True), Steps(),  # -> [5, 4]
        nn.GRU(4, 3, batch_first=True, bidirectional=True), Final(),  # -> 6
        nn.Linear(6, 2), nn.Softmax(dim=-1),
    )  # fmt: skip


def tokens_network():
    """Token ids [N, 6] (int64), output [N, 1]."""
    return nn.Sequential(
        nn.Embedding(7, 4),  # -> [6, 4]
        nn.RNN(4, 5, batch_first=True, nonlinearity="tanh"), Steps(),  # -> [6, 5]
        nn.Linear(5, 2), nn.Tanh(),  # on every step -> [6, 2]
        nn.LSTM(2, 3, batch_first=True), Final(),  # -> 3
        nn.Linear(3, 1), nn.Sigmoid(),
    )  # fmt: skip


# Per recurrent network: how to build it, its input shape per sample, output
# width, and whether its inputs are token ids.
RNN_NETWORKS = {"seq": (seq_network, (5, 3), 2, False), "tokens": (tokens_network, (6,), 1, True)}


class Residual(nn.Module):
    """nn's `residual { .. }`: `x + body(x)`, the body's modules under `body`."""

    def __init__(self, *body):
        super().__init__()
        self.body = nn.Sequential(*body)

    def forward(self, x):
        return x + self.body(x)


class Add(nn.Module):
    """nn's `add { [..], [..] }` of two branches, under `branches`."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return self.branches[0](x) + self.branches[1](x)


class Concat(nn.Module):
    """nn's `concat { [..], [..] }` of two image branches: their channels joined."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([self.branches[0](x), self.branches[1](x)], dim=1)


class SameConv(nn.Conv2d):
    """A strided convolution with Keras' `same` padding: the extra zero after
    (PyTorch's `padding="same"` takes no stride)."""

    def forward(self, x):
        (kh, kw), (sh, sw) = self.kernel_size, self.stride
        pad_h = max(0, (-(-x.shape[2] // sh) - 1) * sh + kh - x.shape[2])
        pad_w = max(0, (-(-x.shape[3] // sw) - 1) * sw + kw - x.shape[3])
        x = nn.functional.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))
        return super().forward(x)


def blocks_network():
    """interop.rs's Blocks: input [N, 2, 6, 6], output [N, 3]."""
    bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # noqa: E731
    copy_ = lambda: nn.Sequential(Residual(nn.Conv2d(4, 4, 3, padding="same"), bn(4), nn.ReLU()))  # noqa: E731
    return nn.Sequential(
        nn.Conv2d(2, 4, 3, padding="same", bias=False), bn(4), nn.ReLU(),  # 0, 1, 2 -> [4, 6, 6]
        nn.Sequential(copy_(), copy_()),  # 3: repeat(2) { residual { .. } }
        Add(nn.Sequential(SameConv(4, 6, 3, stride=2), nn.Tanh()), nn.Sequential(nn.Conv2d(4, 6, 1, stride=2))),  # 4
        Concat(nn.Sequential(nn.Conv2d(6, 2, 1), nn.ReLU()), nn.Identity()),  # 5 -> [8, 3, 3]
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # 6, 7 -> 8
        nn.Linear(8, 3), nn.Softmax(dim=1),  # 8, 9
    )  # fmt: skip


BLOCK_NETWORKS = {"blocks": (blocks_network, (2, 6, 6), 3, False)}


def outputs(model, inputs, shape, tokens=False):
    """The eval-mode outputs, in float64, of flattened float32 `inputs` rows
    (token ids, cast to int64, if `tokens`)."""
    model = copy.deepcopy(model).double().eval()
    inputs = inputs.reshape(len(inputs), *shape)
    if tokens:
        ids, vocabulary = inputs.long(), model[0].num_embeddings
        if not torch.equal(ids.to(inputs.dtype), inputs) or ids.min() < 0 or ids.max() >= vocabulary:
            fail(f"token ids are not whole numbers in 0..{vocabulary}: {inputs.unique().tolist()}")
        inputs = ids
    else:
        inputs = inputs.double()
    with torch.no_grad():
        return model(inputs)


def check_load(directory, networks, kind):
    """Load DIR/rust_{network}.safetensors into each of `networks` and compare its
    outputs on the inputs of DIR/rust_{kind}_io.safetensors with nn's."""
    io_path = f"{directory}/rust_{kind}_io.safetensors"
    io = load_file(io_path)
    for network, (build, shape, width, tokens) in networks.items():
        model = build()
        path = f"{directory}/rust_{network}.safetensors"
        state = load_file(path)
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as error:
            fail(f"{path}: {error}")
        # load_state_dict converts dtypes silently; PyTorch's own must be in the file.
        for name, value in model.state_dict().items():
            if state[name].dtype != value.dtype:
                fail(f"{path}: `{name}` is {state[name].dtype}, PyTorch's is {value.dtype}")
        inputs, nn_outputs = io[f"{network}_inputs"], io[f"{network}_outputs"]
        expected = outputs(model, inputs, shape, tokens)
        if nn_outputs.shape != expected.shape:
            fail(f"{io_path}: `{network}_outputs` is {tuple(nn_outputs.shape)}, expected {tuple(expected.shape)}")
        difference = (expected - nn_outputs.double()).abs().max().item()
        if not difference <= TOLERANCE:
            fail(f"{network}: PyTorch's outputs differ from nn's by up to {difference:.3g} (tolerance {TOLERANCE})")
        print(f"{network}: PyTorch agrees with nn on {len(inputs)} samples: largest difference {difference:.3g}")


def load(directory):
    check_load(directory, NETWORKS, "cnn")


def load_rnn(directory):
    check_load(directory, RNN_NETWORKS, "rnn")


def trained_fixtures(directory, networks, kind):
    """Build each of `networks` with seed 2026, move its BatchNorm state by
    training-mode passes on random batches, and save its state dict as
    DIR/pytorch_{network}.safetensors, and random inputs with PyTorch's
    eval-mode outputs as DIR/pytorch_{kind}_io.safetensors."""
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    io = {}
    for network, (build, image, width, _) in networks.items():
        model = build()
        for module in model.modules():
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                # Not PyTorch's 1 and 0, so a scale or shift in the wrong place shows.
                nn.init.uniform_(module.weight, 0.5, 1.5)
                nn.init.uniform_(module.bias, -0.5, 0.5)
        model.train()
        with torch.no_grad():
            for _ in range(TRAINING_BATCHES):
                model(torch.rand(TRAINING_BATCH_SIZE, *image))
        state = {name: value.contiguous() for name, value in model.state_dict().items()}
        save_file(state, f"{directory}/pytorch_{network}.safetensors", metadata={"format": "pt"})
        inputs = torch.rand(SAMPLES, *image).reshape(SAMPLES, -1)
        io[f"{network}_inputs"] = inputs
        io[f"{network}_outputs"] = outputs(model, inputs, image).float()
    save_file(io, f"{directory}/pytorch_{kind}_io.safetensors")
    print(f"wrote {', '.join(networks)}: state dicts and PyTorch's outputs for {SAMPLES} samples each")


def fixture(directory):
    trained_fixtures(directory, NETWORKS, "cnn")


def fixture_rnn(directory):
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    io = {}
    for network, (build, shape, width, tokens) in RNN_NETWORKS.items():
        model = build()
        state = {name: value.contiguous() for name, value in model.state_dict().items()}
        save_file(state, f"{directory}/pytorch_{network}.safetensors", metadata={"format": "pt"})
        if tokens:
            inputs = torch.randint(0, model[0].num_embeddings, (SAMPLES, *shape)).float()
        else:
            inputs = torch.randn(SAMPLES, *shape)
        inputs = inputs.reshape(SAMPLES, -1)
        io[f"{network}_inputs"] = inputs
        io[f"{network}_outputs"] = outputs(model, inputs, shape, tokens).float()
    save_file(io, f"{directory}/pytorch_rnn_io.safetensors")
    print(f"wrote both recurrent networks' state dicts and PyTorch's outputs for {SAMPLES} samples each")


def load_blocks(directory):
    check_load(directory, BLOCK_NETWORKS, "blocks")


def fixture_blocks(directory):
    trained_fixtures(directory, BLOCK_NETWORKS, "blocks")


MODES = {
    "load": load,
    "fixture": fixture,
    "load-rnn": load_rnn,
    "fixture-rnn": fixture_rnn,
    "load-blocks": load_blocks,
    "fixture-blocks": fixture_blocks,
}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in MODES:
        fail(f"usage: check_torch.py {'|'.join(MODES)} DIR")
    MODES[sys.argv[1]](sys.argv[2])


if __name__ == "__main__":
    main()
