#!/usr/bin/env python3
"""The performance workload of examples/bench_lstm.rs, in PyTorch.

RowLstm: each MNIST image read as a sequence of 28 rows of 28 pixels (batch first),
LSTM 128 units, the last step's output into dense 10 (softmax), categorical
cross-entropy, f32, all 60,000 MNIST training images from data/mnist/, shuffled each
epoch, the same initialisation as nn (Keras': Glorot uniform input kernel counted as
Keras' [F, 4U], orthogonal recurrent kernel, zero biases but the forget gate's input
bias at 1, Glorot uniform dense weights), Adam 1e-3 (Keras' epsilon 1e-7). Prints the
median epoch time, test accuracy, inference throughput on the 10,000 test images in
batches of 1,000, peak memory, and one `RESULT key=value ...` line that compare.py
reads.

    python3 -m pip install torch numpy
    python3 benchmarks/pytorch_lstm.py [--batch 128] [--epochs 2] [--threads 2]
"""

import argparse
import gzip
import math
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parent.parent
UNITS = 128


def read_idx(path: Path) -> np.ndarray:
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder: Path, kind: str):
    # [N, 28, 28]: 28 steps (rows) of 28 features (pixels).
    images = read_idx(folder / f"{kind}-images-idx3-ubyte.gz").reshape(-1, 28, 28)
    labels = read_idx(folder / f"{kind}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255.0))
    return x, torch.from_numpy(labels.astype(np.int64))


class RowLstm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(28, UNITS, batch_first=True)
        self.dense = nn.Linear(UNITS, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.dense(out[:, -1])  # the last step's output, h_n[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "mnist")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_train, y_train = load(args.data, "train")
    x_test, y_test = load(args.data, "t10k")

    model = RowLstm()
    with torch.no_grad():
        lstm = model.lstm
        # Glorot uniform as Keras computes it for its kernel of shape [F, 4U]: ±sqrt(6 / (F + 4U)).
        bound = math.sqrt(6.0 / (28 + 4 * UNITS))
        nn.init.uniform_(lstm.weight_ih_l0, -bound, bound)
        # Orthogonal on the [4U, U] matrix: orthonormal columns (Keras' [U, 4U] has them as rows).
        nn.init.orthogonal_(lstm.weight_hh_l0)
        # Keras' unit_forget_bias: gates in PyTorch's order i, f, g, o, the forget gate's quarter at 1.
        nn.init.zeros_(lstm.bias_ih_l0)
        lstm.bias_ih_l0[UNITS : 2 * UNITS] = 1.0
        nn.init.zeros_(lstm.bias_hh_l0)
        nn.init.xavier_uniform_(model.dense.weight)  # Glorot uniform
        nn.init.zeros_(model.dense.bias)
    # Softmax followed by categorical cross-entropy, fused as nn fuses it.
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    print(
        f"workload: MNIST RowLstm (28 rows of 28 pixels, LSTM {UNITS}, dense 10), {len(x_train)} training images, "
        f"batch {args.batch}, adam 0.001, {args.epochs} epochs, {args.threads} threads, torch {torch.__version__}"
    )

    generator = torch.Generator().manual_seed(args.seed)
    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        model.train()
        started = time.perf_counter()
        order = torch.randperm(len(x_train), generator=generator)
        total, correct = 0.0, 0
        for start in range(0, len(x_train), args.batch):
            index = order[start : start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            logits = model(x_train[index])
            loss = loss_fn(logits, y_train[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
            correct += (logits.argmax(1) == y_train[index]).sum().item()
        seconds = time.perf_counter() - started
        epoch_seconds.append(seconds)
        print(
            f"epoch {epoch}: {seconds:.3f} s, loss {total / len(x_train):.4f}, "
            f"accuracy {correct / len(x_train):.4f}"
        )

    model.eval()
    with torch.no_grad():
        # In batches of 1,000, as bench_cnn and pytorch_cnn.py measure inference.
        chunks = [x_test[s : s + 1000] for s in range(0, len(x_test), 1000)]
        predicted = torch.cat([model(chunk).argmax(1) for chunk in chunks])
        accuracy = (predicted == y_test).float().mean().item()
        passes = []
        for _ in range(9):
            started = time.perf_counter()
            for chunk in chunks:
                torch.softmax(model(chunk), dim=1)
            passes.append(time.perf_counter() - started)
        inference = len(x_test) / statistics.median(passes)

    epoch = statistics.median(epoch_seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmedian epoch      {epoch:.3f} s ({len(x_train) / epoch:.0f} samples/s)")
    print(f"test accuracy     {100 * accuracy:.2f}% after {args.epochs} epochs")
    print(f"inference         {inference:.0f} samples/s (10,000 test images in batches of 1,000)")
    print(f"peak RSS          {rss:.0f} MB")
    print(
        f"RESULT impl=pytorch workload=lstm optimizer=adam batch={args.batch} epochs={args.epochs} "
        f"threads={args.threads} epoch_s={epoch:.4f} accuracy={accuracy:.4f} inference_per_s={inference:.0f} "
        f"peak_rss_mb={rss:.0f}"
    )


if __name__ == "__main__":
    main()
