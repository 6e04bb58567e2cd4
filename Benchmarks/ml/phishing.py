#!/usr/bin/env python3
"""River baseline for `sluice bench-ml --phishing`.

Exports River's bundled Phishing dataset (1,250 rows, 9 numeric features, binary
label) to CSV — features in River's order, then `is_phishing` as 0/1 — and runs
River's `preprocessing.StandardScaler() | linear_model.LogisticRegression()`
with `evaluate.progressive_val_score` (accuracy), printing its accuracy and
samples/s. Then compare with Sluice on the same file:

    python3 -m venv /tmp/river-venv && /tmp/river-venv/bin/pip install river
    /tmp/river-venv/bin/python Benchmarks/ml/phishing.py --csv data/phishing.csv
    swift build -c release
    .build/release/sluice bench-ml --skip-synthetic --phishing data/phishing.csv

River is needed only here, never by the tests.
"""

import argparse
import csv
import os
import time

from river import datasets, evaluate, linear_model, metrics, preprocessing


def export(path):
    rows = list(datasets.Phishing())
    names = list(rows[0][0].keys())
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(names + ["is_phishing"])
        for x, y in rows:
            # repr() of a float round-trips exactly, so Sluice reads the same doubles.
            out.writerow([repr(float(x[n])) for n in names] + [1 if y else 0])
    return len(rows), names


def run_river(repeats):
    best = None
    for _ in range(repeats):
        model = preprocessing.StandardScaler() | linear_model.LogisticRegression()
        dataset = datasets.Phishing()
        start = time.perf_counter()
        score = evaluate.progressive_val_score(dataset, model, metrics.Accuracy())
        seconds = time.perf_counter() - start
        best = seconds if best is None else min(best, seconds)
    return score, best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--csv", default="data/phishing.csv", help="where to write the dataset (default: %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="timed runs; the fastest is reported (default: %(default)s)")
    args = parser.parse_args()

    rows, names = export(args.csv)
    print(f"wrote {args.csv}: {rows} rows, {len(names)} features ({', '.join(names)}), label is_phishing")

    import river
    score, seconds = run_river(args.repeats)
    print(f"river {river.__version__}: StandardScaler | LogisticRegression (SGD 0.01), progressive_val_score")
    print(f"  {score}")
    print(f"  speed     {rows / seconds:,.0f} samples/s   (fastest of {args.repeats} runs: {seconds * 1000:.1f} ms for {rows} rows,"
          " including reading the bundled gzipped CSV)")


if __name__ == "__main__":
    main()
