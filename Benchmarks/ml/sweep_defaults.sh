#!/usr/bin/env bash
# Prequential accuracy of standardized logistic regression for a grid of
# optimizers and constant learning rates, on every CSV in DIR (default
# data/river, written by export_datasets.py). This is how the default of
# LogisticRegression (Adam, 0.02) was chosen: the best mean over all the
# datasets, not the best on Phishing.
#
#   /tmp/river-venv/bin/python Benchmarks/ml/export_datasets.py --dir data/river
#   swift build -c release && Benchmarks/ml/sweep_defaults.sh data/river
set -euo pipefail
dir=${1:-data/river}
sluice=${SLUICE:-.build/release/sluice}
grid="sgd:0.01 sgd:0.02 sgd:0.05 sgd:0.1 adagrad:0.05 adagrad:0.1 adagrad:0.2 adam:0.005 adam:0.01 adam:0.02 adam:0.05"
files=("$dir"/*.csv)
printf '%-14s' optimizer
for f in "${files[@]}"; do printf '%16s' "$(basename "$f" .csv)"; done
printf '%10s\n' mean
for cell in $grid; do
  opt=${cell%%:*} rate=${cell##*:}
  printf '%-14s' "$opt $rate"
  sum=0
  for f in "${files[@]}"; do
    acc=$("$sluice" bench-ml --skip-synthetic --csv "$f" --repeats 1 --optimizer "$opt" --learning-rate "$rate" \
      | awk '/^  accuracy/ {print $2}')
    printf '%16s' "$acc %"
    sum=$(awk -v a="$sum" -v b="$acc" 'BEGIN {print a + b}')
  done
  awk -v s="$sum" -v n="${#files[@]}" 'BEGIN {printf "%9.2f %%\n", s / n}'
done
