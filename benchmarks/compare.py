#!/usr/bin/env python3
"""Run nn's and PyTorch's MLP, CNN and LSTM benchmarks side by side, in one sitting.

It prints the ratios: the machine is shared and noisy, so only same-sitting ratios mean much.

    python3 -m pip install torch numpy
    python3 benchmarks/compare.py [--workloads mlp,cnn,lstm] [--epochs 5] [--cnn-epochs 2] [--lstm-epochs 2]
                                  [--threads 2] [--rounds 1]

The MLP workload: each configuration (SGD 0.1 at batch 32 and 128, Adam 1e-3 at
batch 32) runs examples/bench_mlp.rs and then benchmarks/pytorch_mlp.py for --epochs
epochs. The CNN workload: the keras-io mnist_convnet, Adam 1e-3 at batch 128, runs
examples/bench_cnn.rs and then benchmarks/pytorch_cnn.py for --cnn-epochs epochs. The
LSTM workload: RowLstm (each image as 28 rows of 28 pixels, LSTM 128, dense 10), Adam
1e-3 at batch 128, runs examples/bench_lstm.rs and then benchmarks/pytorch_lstm.py for
--lstm-epochs epochs. With --rounds N each pair repeats and medians are kept.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [("sgd", 32), ("sgd", 128), ("adam", 32)]
WORKLOADS = ("mlp", "cnn", "lstm")


def result(command):
    print("$", " ".join(command), flush=True)
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    print(line, flush=True)
    return dict(field.split("=", 1) for field in line.split()[1:])


def med(runs, key):
    return statistics.median(float(r[key]) for r in runs)


def mlp(args) -> None:
    subprocess.run(["cargo", "build", "--release", "--example", "bench_mlp"], cwd=ROOT, check=True)
    rows = []
    for optimizer, batch in CONFIGS:
        common = ["--batch", str(batch), "--optimizer", optimizer, "--epochs", str(args.epochs), "--threads", str(args.threads)]
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(result([str(ROOT / "target/release/examples/bench_mlp"), *common]))
            theirs.append(result([sys.executable, str(ROOT / "benchmarks/pytorch_mlp.py"), *common]))
        rows.append((optimizer, batch, ours, theirs))

    print(f"\n{'workload':<22}{'nn epoch':>10}{'PyTorch':>10}{'speed-up':>10}{'nn acc':>9}{'PT acc':>9}")
    for optimizer, batch, ours, theirs in rows:
        a, b = med(ours, "epoch_s"), med(theirs, "epoch_s")
        print(
            f"{optimizer} batch {batch:<12}{a:>9.3f}s{b:>9.3f}s{b / a:>9.2f}x"
            f"{100 * med(ours, 'accuracy'):>8.2f}%{100 * med(theirs, 'accuracy'):>8.2f}%"
        )
    ours_inf = statistics.median(float(r["inference_per_s"]) for row in rows for r in row[2])
    theirs_inf = statistics.median(float(r["inference_per_s"]) for row in rows for r in row[3])
    print(f"inference (batch 1000) {ours_inf / 1e6:>8.3f}M/s {theirs_inf / 1e6:>7.3f}M/s{ours_inf / theirs_inf:>9.2f}x")
    ours_rss = max(float(r["peak_rss_mb"]) for row in rows for r in row[2])
    theirs_rss = max(float(r["peak_rss_mb"]) for row in rows for r in row[3])
    print(f"peak RSS               {ours_rss:>8.0f}MB {theirs_rss:>8.0f}MB")


def paired(args, title: str, example: str, script: str, epochs: int) -> None:
    """One Adam configuration at batch 128: examples/<example>.rs and then
    benchmarks/<script> for each round, and a block of nn against PyTorch."""
    subprocess.run(["cargo", "build", "--release", "--example", example], cwd=ROOT, check=True)
    common = ["--batch", "128", "--epochs", str(epochs), "--threads", str(args.threads)]
    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(result([str(ROOT / "target/release/examples" / example), *common]))
        theirs.append(result([sys.executable, str(ROOT / "benchmarks" / script), *common]))

    a, b = med(ours, "epoch_s"), med(theirs, "epoch_s")
    ours_inf, theirs_inf = med(ours, "inference_per_s"), med(theirs, "inference_per_s")
    print(f"\n{title}, adam batch 128, {epochs} epochs")
    print(f"{'':<22}{'nn':>10}{'PyTorch':>10}{'speed-up':>10}")
    print(f"{'median epoch':<22}{a:>9.3f}s{b:>9.3f}s{b / a:>9.2f}x")
    print(f"{'test accuracy':<22}{100 * med(ours, 'accuracy'):>9.2f}%{100 * med(theirs, 'accuracy'):>9.2f}%")
    print(f"{'inference (batch 1000)':<22}{ours_inf:>8.0f}/s{theirs_inf:>8.0f}/s{ours_inf / theirs_inf:>9.2f}x")
    ours_rss = max(float(r["peak_rss_mb"]) for r in ours)
    theirs_rss = max(float(r["peak_rss_mb"]) for r in theirs)
    print(f"{'peak RSS':<22}{ours_rss:>8.0f}MB{theirs_rss:>8.0f}MB")


def cnn(args) -> None:
    paired(args, "CNN: mnist_convnet", "bench_cnn", "pytorch_cnn.py", args.cnn_epochs)


def lstm(args) -> None:
    paired(args, "LSTM: RowLstm (28 rows of 28 pixels, LSTM 128)", "bench_lstm", "pytorch_lstm.py", args.lstm_epochs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="mlp,cnn,lstm", help="comma list of mlp, cnn, lstm")
    parser.add_argument("--epochs", type=int, default=5, help="epochs of each MLP run")
    parser.add_argument("--cnn-epochs", type=int, default=2, help="epochs of each CNN run")
    parser.add_argument("--lstm-epochs", type=int, default=2, help="epochs of each LSTM run")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    unknown = sorted(set(workloads) - set(WORKLOADS))
    if unknown or not workloads:
        parser.error(f"--workloads takes a comma list of {', '.join(WORKLOADS)}, not `{args.workloads}`")

    if "mlp" in workloads:
        mlp(args)
    if "cnn" in workloads:
        cnn(args)
    if "lstm" in workloads:
        lstm(args)


if __name__ == "__main__":
    main()
