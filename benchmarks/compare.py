#!/usr/bin/env python3
"""Run nn's and PyTorch's MLP benchmark side by side, in one sitting, and print
the ratios (the machine is shared and noisy, so only same-sitting ratios mean much).

    python3 -m pip install torch numpy
    python3 benchmarks/compare.py [--epochs 5] [--threads 2] [--rounds 1]

Each configuration (SGD 0.1 at batch 32 and 128, Adam 1e-3 at batch 32) runs for
nn and then for PyTorch; with --rounds N the pair repeats and medians are kept.
"""

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [("sgd", 32), ("sgd", 128), ("adam", 32)]


def result(command):
    print("$", " ".join(command), flush=True)
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT "))
    print(line, flush=True)
    return dict(field.split("=", 1) for field in line.split()[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "--example", "bench_mlp"], cwd=ROOT, check=True)
    rows = []
    for optimizer, batch in CONFIGS:
        common = ["--batch", str(batch), "--optimizer", optimizer, "--epochs", str(args.epochs), "--threads", str(args.threads)]
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(result([str(ROOT / "target/release/examples/bench_mlp"), *common]))
            theirs.append(result([sys.executable, str(ROOT / "benchmarks/pytorch_mlp.py"), *common]))
        med = lambda runs, key: statistics.median(float(r[key]) for r in runs)
        rows.append((optimizer, batch, ours, theirs, med))

    print(f"\n{'workload':<22}{'nn epoch':>10}{'PyTorch':>10}{'speed-up':>10}{'nn acc':>9}{'PT acc':>9}")
    for optimizer, batch, ours, theirs, med in rows:
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


if __name__ == "__main__":
    main()
