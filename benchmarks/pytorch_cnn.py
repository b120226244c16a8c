#!/usr/bin/env python3
"""The performance workload of examples/bench_cnn.rs, in PyTorch.

The keras-io mnist_convnet network in NCHW: conv 32 3x3 (ReLU), max pool 2, conv 64
3x3 (ReLU), max pool 2, flatten, dropout 0.5, dense 10 (softmax), categorical
cross-entropy, f32, all 60,000 MNIST training images from data/mnist/, shuffled each
epoch, the same initialisation as nn (Keras': Glorot uniform for every layer, the
convolutions' fans counting the kernel, zero biases), Adam 1e-3 (Keras' epsilon 1e-7). Prints
the median epoch time, test accuracy, inference throughput on the 10,000 test images
in batches of 1,000, peak memory, and one `RESULT key=value ...` line that compare.py
reads.

    python3 -m pip install torch numpy
    python3 benchmarks/pytorch_cnn.py [--batch 128] [--epochs 2] [--threads 2]
"""

import torch
from torch import nn

import mnist_torch


def main() -> None:
    args = mnist_torch.parser(__doc__, batch=128, epochs=2).parse_args()
    (x_train, y_train), (x_test, y_test) = mnist_torch.setup(args, (1, 28, 28))

    model = nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10),
    )
    with torch.no_grad():
        for conv in (model[0], model[3]):
            nn.init.xavier_uniform_(conv.weight)  # Glorot uniform: ±sqrt(6 / ((C + F)·KH·KW))
            nn.init.zeros_(conv.bias)
        nn.init.xavier_uniform_(model[8].weight)  # Glorot uniform
        nn.init.zeros_(model[8].bias)
    # Softmax followed by categorical cross-entropy, fused as nn fuses it.
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    print(
        f"workload: MNIST CNN (keras-io mnist_convnet), {len(x_train)} training images, batch {args.batch}, "
        f"adam 0.001, {args.epochs} epochs, {args.threads} threads, torch {torch.__version__}"
    )

    epoch_seconds = mnist_torch.train(model, loss_fn, optimizer, x_train, y_train, args)
    accuracy, inference = mnist_torch.test(model, x_test, y_test)
    fields = "impl=pytorch workload=cnn optimizer=adam"
    mnist_torch.report(args, len(x_train), epoch_seconds, accuracy, inference, fields)


if __name__ == "__main__":
    main()
