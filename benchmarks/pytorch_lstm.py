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

import math

import torch
from torch import nn

import mnist_torch

UNITS = 128


class RowLstm(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(28, UNITS, batch_first=True)
        self.dense = nn.Linear(UNITS, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.dense(out[:, -1])  # the last step's output, h_n[-1]


def main() -> None:
    args = mnist_torch.parser(__doc__, batch=128, epochs=2).parse_args()
    # [N, 28, 28]: 28 steps (rows) of 28 features (pixels).
    (x_train, y_train), (x_test, y_test) = mnist_torch.setup(args, (28, 28))

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

    epoch_seconds = mnist_torch.train(model, loss_fn, optimizer, x_train, y_train, args)
    accuracy, inference = mnist_torch.test(model, x_test, y_test)
    fields = "impl=pytorch workload=lstm optimizer=adam"
    mnist_torch.report(args, len(x_train), epoch_seconds, accuracy, inference, fields)


if __name__ == "__main__":
    main()
