#!/usr/bin/env python3
"""The performance workload of examples/bench_mlp.rs, in PyTorch.

MLP 784 -> 128 (ReLU) -> 10 (softmax), categorical cross-entropy, f32, all 60,000
MNIST training images from data/mnist/, shuffled each epoch, the same initialisation
as nn (He uniform for the ReLU layer, Glorot uniform for the softmax layer, zero
biases), SGD 0.1 or Adam 1e-3 (Keras' epsilon 1e-7). Prints the median epoch time,
test accuracy, inference throughput on the 10,000 test images in batches of 1,000,
peak memory, and one `RESULT key=value ...` line that compare.py reads.

    python3 -m pip install torch numpy
    python3 benchmarks/pytorch_mlp.py --batch 32 [--optimizer adam] [--epochs 5] [--threads 2]
"""

import time

import torch
from torch import nn

import mnist_torch


def main() -> None:
    parser = mnist_torch.parser(__doc__, batch=32, epochs=5)
    parser.add_argument("--optimizer", choices=["sgd", "adam"], default="sgd")
    parser.add_argument("--learning-rate", type=float)
    args = parser.parse_args()
    (x_train, y_train), (x_test, y_test) = mnist_torch.setup(args, (784,))

    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    with torch.no_grad():
        nn.init.kaiming_uniform_(model[0].weight, nonlinearity="relu")  # He uniform: ±sqrt(6 / fan_in)
        nn.init.xavier_uniform_(model[2].weight)  # Glorot uniform
        nn.init.zeros_(model[0].bias)
        nn.init.zeros_(model[2].bias)
    # Softmax followed by categorical cross-entropy, fused as nn fuses it.
    loss_fn = nn.CrossEntropyLoss()
    rate = args.learning_rate or (1e-3 if args.optimizer == "adam" else 0.1)
    if args.optimizer == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=rate, betas=(0.9, 0.999), eps=1e-7)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=rate)
    print(
        f"workload: MLP 784-128-10, {len(x_train)} training images, batch {args.batch}, "
        f"{args.optimizer} {rate}, {args.epochs} epochs, {args.threads} threads, torch {torch.__version__}"
    )

    generator = torch.Generator().manual_seed(args.seed)
    epoch_seconds = []
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        order = torch.randperm(len(x_train), generator=generator)
        total = 0.0
        for start in range(0, len(x_train), args.batch):
            index = order[start : start + args.batch]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        seconds = time.perf_counter() - started
        epoch_seconds.append(seconds)
        print(f"epoch {epoch}: {seconds:.3f} s, loss {total / len(x_train):.4f}")

    accuracy, inference = mnist_torch.test(model, x_test, y_test)
    fields = f"impl=pytorch optimizer={args.optimizer}"
    mnist_torch.report(args, len(x_train), epoch_seconds, accuracy, inference, fields, millions=True)


if __name__ == "__main__":
    main()
