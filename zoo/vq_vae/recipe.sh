#!/usr/bin/env bash
# Recipe of the VQ-VAE results card: Fashion-MNIST (60k train, 10k test, grey levels in
# [0, 1], Bernoulli decoder), 64 codes of size 16 with EMA updates (decay 0.99), 10 epochs,
# then a PixelCNN prior (5 gated blocks, 64 filters) on the 7x7 code grids for 10 epochs.
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory;
# PY: the Python that has keras_vi (.venv's by default).
# TensorFlow by default, as the card's recorded run: benchmarks/RESULTS.md measures it fastest on
# this CPU for the conv VAE (vae_conv: 3,173 examples/s, PyTorch 1,469, JAX 331).
set -euo pipefail
out=${OUT:-runs}/vq_vae_fashion_mnist
py=${PY:-.venv/bin/python}
KERAS_BACKEND=${KERAS_BACKEND:-tensorflow} "$py" -m keras_vi train vq_vae --dataset fashion_mnist \
  --data-dir "${DATA_DIR:-../shared/data}" --split train --eval-split test \
  --num-embeddings 64 --embedding-dim 16 --ema-decay 0.99 --epochs ${EPOCHS:-10} \
  --prior-epochs ${PRIOR_EPOCHS:-10} --batch-size 128 --seed 0 --out "$out" --verbose 2
"$py" zoo/write_card.py --vq zoo/vq_vae/README.md "$out"
