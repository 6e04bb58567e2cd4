#!/usr/bin/env python3
"""Exports River's bundled classification datasets to CSV for `sluice bench-ml --csv`.

Used to choose LogisticRegression's default optimizer on several datasets at
once rather than on Phishing alone (see sweep_defaults.sh). Features keep
River's order; the label is the last column (booleans as 0/1). Only datasets
shipped inside the river wheel are used: nothing is downloaded.

    /tmp/river-venv/bin/python Benchmarks/ml/export_datasets.py --dir data/river
"""

import argparse
import csv
import os

from river import datasets

DATASETS = {
    "phishing": datasets.Phishing,          # 1,250 rows, 9 features, binary
    "bananas": datasets.Bananas,            # 5,300 rows, 2 features, binary (not linearly separable)
    "image_segments": datasets.ImageSegments,  # 2,310 rows, 18 features, 7 classes
    "shuttle": datasets.Shuttle,            # 49,097 rows, 9 features, binary (very imbalanced)
}


def label_text(y):
    return str(int(y)) if isinstance(y, bool) else str(y)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", default="data/river")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    for name, make in DATASETS.items():
        rows = list(make())
        names = list(rows[0][0].keys())
        path = os.path.join(args.dir, name + ".csv")
        with open(path, "w", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow([n.replace(",", "_") for n in names] + ["label"])
            for x, y in rows:
                out.writerow([repr(float(x[n])) for n in names] + [label_text(y)])
        print(f"{path}: {len(rows)} rows, {len(names)} features, {len(set(label_text(y) for _, y in rows))} classes")


if __name__ == "__main__":
    main()
