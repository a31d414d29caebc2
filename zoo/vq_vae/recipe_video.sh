#!/usr/bin/env bash
# Recipe of the VQ-VAE card's video section: Moving MNIST drawn on demand (2,000 training
# and 300 test videos of 8 frames, 64x64, two digits; MNIST test digits [:8000] for training
# videos, [8000:] for test ones), Conv3D networks with 2 stride-2 stages (16 and 32 filters:
# a 2x16x16 grid of codes per video), 64 codes of size 16 (EMA, decay 0.99), a Bernoulli
# likelihood over grey levels; then a causal prior (10 WaveNet blocks) over the 512 codes.
# DATA_DIR: the directory of MNIST's IDX files. PY: the Python that has keras_vi.
# The autoencoder trains on PyTorch (XLA's CPU Conv3D took 52 s per batch of 16 here, PyTorch
# about 1.3 s), the prior on JAX; the second command goes on from the first's saved model.
set -euo pipefail
out=${OUT:-runs}/vq_vae_video
py=${PY:-.venv/bin/python}
args=(--data-dir "${DATA_DIR:-../shared/data}" --out "$out" --epochs ${EPOCHS:-8} --prior-epochs ${PRIOR_EPOCHS:-10})
KERAS_BACKEND=torch "$py" zoo/vq_vae/video.py "${args[@]}" --until vq_vae
KERAS_BACKEND=jax "$py" zoo/vq_vae/video.py "${args[@]}"
