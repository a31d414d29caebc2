#!/usr/bin/env bash
# The bundled preset `ar_vae_free_bits_mnist`: the card's "ARVAE + free bits" MNIST row
# (latent 32, a 5-block gated PixelCNN decoder of 32 filters, free bits 0.25, Adam(1e-3),
# batch 128, 40 epochs on the first 8,000 MNIST test images binarized once with seed 0),
# trained by `keras-vi train`, evaluated by L_1000 on the card's 500 held-out images
# (binarized with seed 1), and written into keras_vi/presets/ with its numbers in metadata.json.
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory.
# About 65 min of training and 40 of evaluation on 2 CPU cores (the card's row: 3,876 s and
# 2,270 s). Run again after an interruption: an interrupted training continues from its last
# finished epoch (`--resume`), a finished one is not run again.
set -euo pipefail
data_dir=${DATA_DIR:-../shared/data}
out=${OUT:-runs/presets}/mnist_ar_vae_free_bits
export KERAS_BACKEND=${KERAS_BACKEND:-tensorflow}
if [ ! -f "$out/metrics.json" ]; then  # metrics.json: written when a training ends
  resume=(); [ -d "$out/backup" ] && resume=(--resume)
  .venv/bin/keras-vi train ar_vae --dataset mnist --data-dir "$data_dir" --split 'test[:8000]' \
    --eval-split 'test[8000:8500]' --binarize static --seed 0 --epochs 40 --batch-size 128 \
    --latent-dim 32 --decoder-layers 5 --decoder-filters 32 --free-bits 0.25 --verbose 2 \
    --out "$out" "${resume[@]}"
fi
.venv/bin/keras-vi evaluate "$out" --num-samples 1000 --batch-size 10
.venv/bin/keras-vi save-preset "$out" keras_vi/presets/ar_vae_free_bits_mnist --metric nll_nats \
  --card zoo/ar_vae/README.md --recipe "DATA_DIR=DIR bash zoo/ar_vae/recipe_preset.sh" \
  --description "ARVAE (latent 32, 5-block gated PixelCNN decoder) with free bits 0.25 on statically \
binarized MNIST: the 8,000 first test images, 40 epochs (zoo/ar_vae/README.md)"
