#!/usr/bin/env bash
# Recipe of the results card beside this file. Run from the repository root after
# `make install`; it trains, evaluates on the held-out split and rewrites the card's table.
set -euo pipefail
out=${OUT:-runs}/iwae_digits
mkdir -p "$out"  # its train.log: the raw log write_card.py copies beside the card
KERAS_BACKEND=${KERAS_BACKEND:-jax} .venv/bin/keras-vi train iwae --dataset digits --binarize dynamic \
  --epochs 100 --batch-size 64 --latent-dim 10 --num-samples 5 --seed 0 --out "$out" --verbose 2 2>&1 | tee "$out/train.log"
.venv/bin/python zoo/write_card.py zoo/iwae/README.md "$out"
