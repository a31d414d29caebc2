#!/usr/bin/env bash
# VAE vs IWAE (k=5, k=50) on binarized MNIST: the direction of Burda et al. (2016), Table 1.
# The MNIST test set (10k, the only MNIST images in ../shared/data) is split 8k train /
# 2k held out; training binarizes dynamically, the held-out split once (seed 1). Same
# architecture (MLP 200-200, latent 50, as in the paper), optimizer and steps for all three.
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory.
# STAGE=train or STAGE=evaluate runs one half; by default both. SEED (default 0) and
# EVAL_SAMPLES (k of the evaluation, default 5000) vary the run; the cards' tables are
# rewritten only for the card's own settings (SEED=0, EVAL_SAMPLES=5000).
set -euo pipefail
data_dir=${DATA_DIR:-../shared/data}
out=${OUT:-runs}
stage=${STAGE:-all}
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
common=(--dataset mnist --data-dir "$data_dir" --split 'test[:8000]' --eval-split 'test[8000:]'
        --binarize dynamic --flatten --hidden-units 200 200 --latent-dim 50
        --epochs ${EPOCHS:-100} --batch-size 100 --seed ${SEED:-0} --verbose 2)
train() {  # RUN MODEL [OPTIONS]: keras-vi train, its output kept in RUN/train.log
  mkdir -p "$out/$1"
  .venv/bin/keras-vi train "$2" "${common[@]}" "${@:3}" --out "$out/$1" 2>&1 | tee "$out/$1/train.log"
}
if [ "$stage" != evaluate ]; then
  train mnist_vae vae
  train mnist_iwae_k5 iwae --num-samples 5
  train mnist_iwae_k50 iwae --num-samples 50
fi
if [ "$stage" != train ]; then
  for run in mnist_vae mnist_iwae_k5 mnist_iwae_k50; do
    .venv/bin/keras-vi evaluate "$out/$run" --num-samples ${EVAL_SAMPLES:-5000}
  done
  [ "${SEED:-0}" = 0 ] && [ "${EVAL_SAMPLES:-5000}" = 5000 ] || exit 0
  runs=("$out/mnist_vae" "$out/mnist_iwae_k5" "$out/mnist_iwae_k50")
  .venv/bin/python zoo/write_card.py --evaluation zoo/iwae/README.md "${runs[@]}"  # raw results: zoo/iwae/results/
  .venv/bin/python zoo/write_card.py --evaluation --raw-elsewhere zoo/vae/README.md "${runs[@]}"
fi
