#!/usr/bin/env bash
# Uniform against variational dequantization on 8-bit images (Ho et al., 2019, Flow++):
# RealNVP with each dequantizer at the same flow size and training steps, a Gaussian VAE
# with each, and a discretized-logistic VAE, on MNIST (the 10k test images split 8k train /
# 2k held out) and Fashion-MNIST (60k train; the first 2k test images held out).
# Run from the repository root after `make install`. DATA_DIR: the IDX files' directory.
# DATASETS (default "mnist fashion_mnist"), SEED (0), EVAL_SAMPLES (k of L_k, 16),
# MNIST_EPOCHS (6), FASHION_EPOCHS (1) vary the run, ROWS picks some of the five rows (e.g.
# "real_nvp_variational": recipe_preset.sh). The card is rewritten with the default settings
# once all ten runs are in OUT, so the rows can be measured over several invocations
# (DATASETS=mnist, then DATASETS=fashion_mnist); each row says when it was measured.
set -euo pipefail
data_dir=${DATA_DIR:-../shared/data}
out=${OUT:-runs}
export KERAS_BACKEND=${KERAS_BACKEND:-jax}
k=${EVAL_SAMPLES:-16}
common=(--data-dir "$data_dir" --raw --batch-size 64 --seed ${SEED:-0} --verbose 2)
flow=(--num-scales 3 --num-steps 4 --filters 64)
vae=(--latent-dim 32)
all_rows="real_nvp_uniform real_nvp_variational vae_gaussian_uniform vae_gaussian_variational vae_discretized_logistic"
rows=${ROWS:-$all_rows}
runs=()
for dataset in ${DATASETS:-mnist fashion_mnist}; do
  if [ "$dataset" = mnist ]; then
    data=(--dataset mnist --split 'test[:8000]' --eval-split 'test[8000:]' --epochs ${MNIST_EPOCHS:-6})
  else
    data=(--dataset fashion_mnist --split train --eval-split 'test[:2000]' --epochs ${FASHION_EPOCHS:-1})
  fi
  for run in $rows; do
    case $run in
      real_nvp_*) options=(real_nvp "${flow[@]}" --dequantization ${run#real_nvp_}) ;;
      vae_gaussian_*) options=(vae "${vae[@]}" --likelihood gaussian --dequantization ${run#vae_gaussian_}) ;;
      vae_discretized_logistic) options=(vae "${vae[@]}" --likelihood discretized_logistic) ;;
      *) echo "ROWS: no row $run" >&2; exit 2 ;;
    esac
    mkdir -p "$out/${dataset}_$run"  # its train.log: the raw log write_card.py copies beside the card
    .venv/bin/keras-vi train "${options[@]}" "${data[@]}" "${common[@]}" --out "$out/${dataset}_$run" 2>&1 \
      | tee "$out/${dataset}_$run/train.log"
    .venv/bin/keras-vi evaluate "$out/${dataset}_$run" --num-samples $k
  done
done
[ "${SEED:-0}" = 0 ] && [ "$k" = 16 ] && [ "${MNIST_EPOCHS:-6}" = 6 ] && [ "${FASHION_EPOCHS:-1}" = 1 ] || exit 0
runs=()
for dataset in mnist fashion_mnist; do
  for run in $all_rows; do
    [ -f "$out/${dataset}_$run/evaluation.json" ] || exit 0  # the card waits for all ten runs
    runs+=("$out/${dataset}_$run")
  done
done
.venv/bin/python zoo/write_card.py --dequantization zoo/real_nvp/README.md "${runs[@]}"
