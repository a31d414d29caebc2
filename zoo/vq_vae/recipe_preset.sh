#!/usr/bin/env bash
# The bundled preset `vq_vae_fashion_mnist`: the card's VQ-VAE with its PixelCNN prior, trained
# by the card's recipe (which also rewrites the card's table), evaluated on the 10,000 test
# images (exact prior NLL, reconstruction, codebook), written into keras_vi/presets/.
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory.
# TensorFlow by default: the fastest backend for these convolutions on this CPU (benchmarks/RESULTS.md).
set -euo pipefail
out=${OUT:-runs}
export KERAS_BACKEND=${KERAS_BACKEND:-tensorflow}
OUT="$out" bash zoo/vq_vae/recipe.sh
.venv/bin/keras-vi evaluate "$out/vq_vae_fashion_mnist"
.venv/bin/keras-vi save-preset "$out/vq_vae_fashion_mnist" keras_vi/presets/vq_vae_fashion_mnist \
  --metric prior_nll_nats_per_image --card zoo/vq_vae/README.md \
  --recipe "DATA_DIR=DIR bash zoo/vq_vae/recipe_preset.sh" \
  --description "VQ-VAE (64 codes of size 16 on a 7x7 grid, EMA) with a two-stack Gated PixelCNN prior on \
Fashion-MNIST's 60,000 training images, 10 + 10 epochs (zoo/vq_vae/README.md)"
