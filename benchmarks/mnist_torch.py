"""What the PyTorch benchmark scripts share: reading MNIST, the training loop of the
CNN and LSTM workloads, timing inference, and the report whose `RESULT` line
compare.py reads. Not a benchmark itself; pytorch_mlp.py, pytorch_cnn.py and
pytorch_lstm.py import it."""

import argparse
import gzip
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent


def read_idx(path: Path) -> np.ndarray:
    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(folder: Path, kind: str, shape):
    """Images of set `kind` (`train`, `t10k`) scaled to [0, 1] in `shape` per sample, and labels."""
    images = read_idx(folder / f"{kind}-images-idx3-ubyte.gz").reshape(-1, *shape)
    labels = read_idx(folder / f"{kind}-labels-idx1-ubyte.gz")
    x = torch.from_numpy(images.astype(np.float32) / np.float32(255.0))
    return x, torch.from_numpy(labels.astype(np.int64))


def parser(doc: str, batch: int, epochs: int) -> argparse.ArgumentParser:
    """The scripts' common options, with their defaults."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--batch", type=int, default=batch)
    p.add_argument("--epochs", type=int, default=epochs)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--data", type=Path, default=ROOT / "data" / "mnist")
    return p


def setup(args, shape):
    """Threads and seed as asked; the training and test sets."""
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    return load(args.data, "train", shape), load(args.data, "t10k", shape)


def train(model, loss_fn, optimizer, x_train, y_train, args) -> list:
    """`args.epochs` epochs over the shuffled training set; each epoch's seconds."""
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
    return epoch_seconds


def test(model, x_test, y_test):
    """Test accuracy, and samples per second of softmax outputs in batches of 1,000 (median of 9 passes)."""
    model.eval()
    with torch.no_grad():
        chunks = [x_test[s : s + 1000] for s in range(0, len(x_test), 1000)]
        predicted = torch.cat([model(chunk).argmax(1) for chunk in chunks])
        accuracy = (predicted == y_test).float().mean().item()
        passes = []
        for _ in range(9):
            started = time.perf_counter()
            for chunk in chunks:
                torch.softmax(model(chunk), dim=1)
            passes.append(time.perf_counter() - started)
    return accuracy, len(x_test) / statistics.median(passes)


def report(args, samples: int, epoch_seconds: list, accuracy: float, inference: float, fields: str, millions=False):
    """The summary lines and the `RESULT` line (`fields` first: impl, workload, optimiser)."""
    epoch = statistics.median(epoch_seconds)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rate = f"{inference / 1e6:.3f} M samples/s" if millions else f"{inference:.0f} samples/s"
    print(f"\nmedian epoch      {epoch:.3f} s ({samples / epoch:.0f} samples/s)")
    print(f"test accuracy     {100 * accuracy:.2f}% after {args.epochs} epochs")
    print(f"inference         {rate} (10,000 test images in batches of 1,000)")
    print(f"peak RSS          {rss:.0f} MB")
    print(
        f"RESULT {fields} batch={args.batch} epochs={args.epochs} threads={args.threads} epoch_s={epoch:.4f} "
        f"accuracy={accuracy:.4f} inference_per_s={inference:.0f} peak_rss_mb={rss:.0f}"
    )
